// `nanomq_cli pub` and `nanomq_cli sub`: the tools for people. pub connects, publishes the
// message (or each line of standard input) `count` times with the full QoS flow, and
// disconnects; sub subscribes and prints "topic: payload" lines until interrupted.
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/mqtt_client.hpp"
#include "cli/options.hpp"

namespace nmq::cli {

namespace asio = boost::asio;

namespace {

ConnectOptions with_client_id(ConnectOptions c, const char* role) {
    // An empty id would work in 3.1.1 and 5.0, but MQTT 3.1 requires one and a named client is
    // easier to find in the broker's logs.
    if (c.client_id.empty())
        c.client_id = std::string("nanomq_cli-") + role + "-" + std::to_string(::getpid());
    return c;
}

// Runs `body` on a fresh io_context; returns the exit status.
template <class Body>
int run_client(Body body) {
    asio::io_context io;
    int status = 0;
    asio::co_spawn(io, body(io), [&](std::exception_ptr e, int rc) {
        status = rc;
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const boost::system::system_error& ex) {
            // what() carries Asio's source location; people want the reason only.
            if (ex.code() == asio::error::eof) {
                std::fprintf(stderr, "nanomq_cli: the server closed the connection\n");
            } else {
                std::fprintf(stderr, "nanomq_cli: %s\n", ex.code().message().c_str());
            }
            status = 1;
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "nanomq_cli: %s\n", ex.what());
            status = 1;
        }
    });
    io.run();
    return status;
}

}  // namespace

int run_pub(const PubOptions& o) {
    return run_client([&o](asio::io_context& io) -> asio::awaitable<int> {
        std::optional<mqtt::Will> will;
        if (!o.will.topic.empty()) {
            will.emplace();
            will->topic = o.will.topic;
            will->payload = o.will.message;
            will->qos = static_cast<mqtt::QoS>(o.will.qos);
            will->retain = o.will.retain;
        }
        MqttClient client(io, with_client_id(o.conn, "pub"), will);
        co_await client.connect();
        if (o.verbose)
            std::fprintf(stderr, "connected to %s:%u\n", o.conn.host.c_str(), o.conn.port);
        asio::steady_timer pause(io);
        auto publish_one = [&](const std::string& payload) -> asio::awaitable<void> {
            mqtt::Publish p;
            p.topic = o.topic;
            p.payload = payload;
            p.qos = static_cast<mqtt::QoS>(o.qos);
            p.retain = o.retain;
            co_await client.publish(std::move(p));
            if (o.verbose)
                std::fprintf(stderr, "published to %s: %zu bytes\n", o.topic.c_str(),
                             payload.size());
        };
        if (o.stdin_line) {
            std::string line;
            while (std::getline(std::cin, line))
                co_await publish_one(line);
        } else {
            for (std::uint64_t i = 0; i < o.count; ++i) {
                if (i > 0 && o.interval_ms > 0) {
                    pause.expires_after(std::chrono::milliseconds(o.interval_ms));
                    co_await pause.async_wait(asio::use_awaitable);
                }
                co_await publish_one(o.message);
            }
        }
        client.disconnect();
        co_return 0;
    });
}

int run_sub(const SubOptions& o) {
    return run_client([&o](asio::io_context& io) -> asio::awaitable<int> {
        MqttClient client(io, with_client_id(o.conn, "sub"));
        co_await client.connect();

        mqtt::Subscribe s;
        s.packet_id = client.next_packet_id();
        for (const auto& t : o.topics) {
            mqtt::TopicSubscription ts;
            ts.filter = t;
            ts.options.qos = static_cast<mqtt::QoS>(o.qos);
            s.topics.push_back(std::move(ts));
        }
        client.send(s);

        bool stopping = false;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            stopping = true;
            client.disconnect();
        });
        // Keep-alive: a PINGREQ every half interval, whatever else is going on.
        asio::steady_timer ping(io);
        std::function<void()> arm_ping = [&] {
            if (o.conn.keepalive == 0) return;
            ping.expires_after(std::chrono::milliseconds(o.conn.keepalive * 500));
            ping.async_wait([&](const boost::system::error_code& ec) {
                if (ec || !client.is_open()) return;
                boost::system::error_code ignored;
                try {
                    client.send(mqtt::Pingreq{});
                } catch (const std::exception&) {
                    return;
                }
                arm_ping();
            });
        };
        arm_ping();

        std::uint64_t received = 0;
        int status = 0;
        try {
            for (;;) {
                mqtt::Packet p = co_await client.receive();
                if (auto* m = std::get_if<mqtt::Publish>(&p)) {
                    if (o.verbose) {
                        std::printf("%s (qos %d%s): ", m->topic.c_str(), static_cast<int>(m->qos),
                                    m->retain ? ", retained" : "");
                    } else {
                        std::printf("%s: ", m->topic.c_str());
                    }
                    std::fwrite(m->payload.data(), 1, m->payload.size(), stdout);
                    std::fputc('\n', stdout);
                    std::fflush(stdout);
                    if (m->qos != mqtt::QoS::kAtMostOnce) {
                        mqtt::PubResponse ack;
                        ack.type = m->qos == mqtt::QoS::kAtLeastOnce ? mqtt::PacketType::kPuback
                                                                     : mqtt::PacketType::kPubrec;
                        ack.packet_id = m->packet_id;
                        client.send(ack);
                    }
                    if (o.count > 0 && ++received >= o.count) break;
                } else if (auto* r = std::get_if<mqtt::PubResponse>(&p)) {
                    if (r->type == mqtt::PacketType::kPubrel) {
                        mqtt::PubResponse comp;
                        comp.type = mqtt::PacketType::kPubcomp;
                        comp.packet_id = r->packet_id;
                        client.send(comp);
                    }
                } else if (auto* a = std::get_if<mqtt::Suback>(&p)) {
                    for (std::size_t i = 0; i < a->reasons.size() && i < o.topics.size(); ++i) {
                        if (is_failure(a->reasons[i])) {
                            std::fprintf(stderr, "nanomq_cli: subscription to %s refused: %s\n",
                                         o.topics[i].c_str(), describe(a->reasons[i]).c_str());
                            status = 1;
                        } else if (o.verbose) {
                            std::fprintf(stderr, "subscribed to %s (granted QoS %d)\n",
                                         o.topics[i].c_str(), static_cast<int>(a->reasons[i]));
                        }
                    }
                } else if (auto* d = std::get_if<mqtt::Disconnect>(&p)) {
                    throw ClientError("disconnected by the server: " + describe(d->reason));
                }
            }
        } catch (const boost::system::system_error&) {
            if (!stopping) throw;
        }
        signals.cancel();
        ping.cancel();
        if (!stopping) client.disconnect();
        co_return status;
    });
}

}  // namespace nmq::cli
