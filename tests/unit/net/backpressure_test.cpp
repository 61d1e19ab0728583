// Back-pressure from persistence: while the store is behind, connections stop reading after the
// batch they have (so nothing more is acknowledged), and read again once it has caught up. A
// real server on a free port, a raw MQTT client, and a store whose backlog the test sets.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "broker/broker.hpp"
#include "broker/store.hpp"
#include "broker/worker.hpp"
#include "config/config.hpp"
#include "net/server.hpp"

namespace nmq::net {
namespace {

// Keeps nothing; reports the backlog the test sets; sync completes at once.
class FakeStore final : public broker::Store {
  public:
    std::atomic<std::size_t> pending{0};

    std::uint64_t next_message_id() override { return ++ids_; }
    void put_session(const broker::StoredSession&) override {}
    void delete_session(std::string_view) override {}
    void put_subscription(const broker::StoredSubscription&) override {}
    void delete_subscription(std::string_view, std::string_view) override {}
    void put_delivery(const broker::StoredDelivery&, broker::MessagePtr) override {}
    void update_delivery(const broker::StoredDelivery&) override {}
    void delete_delivery(std::string_view, std::uint64_t) override {}
    void put_retained(broker::MessagePtr) override {}
    void delete_retained(std::string_view) override {}
    void put_inbound_qos2(std::string_view, std::uint16_t) override {}
    void delete_inbound_qos2(std::string_view, std::uint16_t) override {}
    void put_will(std::string_view, const mqtt::Will&, std::int64_t) override {}
    void delete_will(std::string_view) override {}
    void sync(std::function<void()> done) override { done(); }
    std::size_t backlog() const override { return pending.load(); }
    broker::Restored restore() override { return {}; }

  private:
    std::atomic<std::uint64_t> ids_{0};
};

class RawClient {
  public:
    explicit RawClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{0, 100'000};  // reads give up after 100 ms
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~RawClient() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(const std::string& bytes) {
        ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    }
    // `n` bytes, or fewer when `within` runs out first.
    std::string receive(std::size_t n, std::chrono::milliseconds within) {
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + within;
        char buf[64];
        while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
            ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - got.size()), 0);
            if (r > 0) got.append(buf, static_cast<std::size_t>(r));
            if (r == 0) break;
        }
        return got;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b)
        s += static_cast<char>(c);
    return s;
}

// PUBLISH QoS 1 to "t", packet id `id`, payload "x".
std::string publish_qos1(int id) {
    return bytes({0x32, 0x06, 0x00, 0x01, 't', 0x00, id, 'x'});
}

TEST(StoreBackPressure, ReadingPausesWhileTheStoreIsBehindAndResumesAfter) {
    config::Config c;
    c.listeners.tcp[0].host = "127.0.0.1";
    c.listeners.tcp[0].port = 0;
    c.system.num_taskq_thread = 1;
    FakeStore store;
    Server server(c);
    server.broker().restore(store);
    const std::uint16_t port = server.tcp_ports().at(0);
    std::thread running([&] { server.run(); });

    RawClient client(port);
    ASSERT_TRUE(client.connected());
    // CONNECT 3.1.1, clean session, client id "bpx".
    client.send(bytes({0x10, 0x0f, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00,
                       0x03, 'b', 'p', 'x'}));
    EXPECT_EQ(client.receive(4, std::chrono::seconds(5)), bytes({0x20, 0x02, 0x00, 0x00}));

    store.pending = broker::Worker::kStoreBacklogLimit + 1;
    // What was read before the store fell behind is handled...
    client.send(publish_qos1(1));
    EXPECT_EQ(client.receive(4, std::chrono::seconds(5)), bytes({0x40, 0x02, 0x00, 0x01}));
    // ...then the connection waits: no more acknowledgements while the store is behind.
    client.send(publish_qos1(2));
    EXPECT_EQ(client.receive(4, std::chrono::milliseconds(400)), "");
    store.pending = 0;
    EXPECT_EQ(client.receive(4, std::chrono::seconds(5)), bytes({0x40, 0x02, 0x00, 0x02}));

    server.stop();
    running.join();
}

}  // namespace
}  // namespace nmq::net
