#include "broker/sys_events.hpp"

#include <chrono>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "broker/broker.hpp"
#include "broker/session.hpp"
#include "broker/worker.hpp"

namespace nmq::broker {

namespace {

std::string quoted(const std::string& s) {
    return boost::json::serialize(boost::json::string(s));
}

unsigned long long now_ms() {
    return static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
}

// "127.0.0.1:5555" -> "127.0.0.1"; "[::1]:5555" -> "::1".
std::string host_of(const std::string& address) {
    auto colon = address.rfind(':');
    std::string host = colon == std::string::npos ? address : address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return host;
}

}  // namespace

void sys_connected(Worker& worker, const Session& s, const std::string& address) {
    auto payload = fmt::format(
        R"({{"username":{},"ts":{},"proto_name":"{}","keepalive":{},"return_code":"0",)"
        R"("proto_ver":{},"client_id":{},"clean_start":{},"IPv4":{}}})",
        quoted(s.username), now_ms(), s.version == mqtt::Version::kV31 ? "MQIsdp" : "MQTT",
        s.keep_alive, static_cast<int>(s.version), quoted(s.client_id),
        s.expiry_interval == 0 ? 1 : 0, quoted(host_of(address)));
    worker.broker.publish_sys(worker.index, "$SYS/brokers/connected", std::move(payload));
}

void sys_disconnected(Worker& worker, const Session& s, ReasonCode reason) {
    auto payload =
        fmt::format(R"({{"username":{},"ts":{},"reason_code":"{:x}","client_id":{},"IPv4":{}}})",
                    quoted(s.username), now_ms(), static_cast<unsigned>(reason),
                    quoted(s.client_id), quoted(host_of(s.address)));
    worker.broker.publish_sys(worker.index, "$SYS/brokers/disconnected", std::move(payload));
}

}  // namespace nmq::broker
