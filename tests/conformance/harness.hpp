#pragma once
// A broker with one worker whose posted work runs when the test says, and clients whose
// transports are byte buffers: bytes in, bytes or close out. No sockets, no threads.
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "broker/client.hpp"
#include "mqtt/codec.hpp"

namespace nmq::conformance {

std::string hex(std::string_view s);
std::string unhex(std::string_view h);  // "10 0c 00 04" -> bytes

class Loop {
  public:
    void post(std::function<void()> fn) { q_.push_back(std::move(fn)); }
    void run() {
        while (!q_.empty()) {
            auto fn = std::move(q_.front());
            q_.pop_front();
            fn();
        }
    }

  private:
    std::deque<std::function<void()>> q_;
};

class FakeTransport final : public broker::Transport {
  public:
    std::string& output() override { return out_; }
    void flush() override {}
    bool writable() const override { return true; }
    void close() override { closed_ = true; }
    void migrate(std::uint32_t) override { migrated_ = true; }
    const std::string& remote_address() const override { return address_; }

    // Everything written since the last call.
    std::string take() { return std::exchange(out_, {}); }
    bool closed() const { return closed_; }

  private:
    std::string out_;
    std::string address_ = "127.0.0.1:40000";
    bool closed_ = false;
    bool migrated_ = false;
};

class Harness;

// One client connection: feed bytes, read what the broker wrote.
class Conn {
  public:
    Conn(Harness& h);
    ~Conn();
    // Feeds raw bytes (whole or partial packets), then runs posted work.
    void send(std::string_view bytes);
    void send_hex(std::string_view h) { send(unhex(h)); }
    // What the broker wrote to this connection since the last call, as hex.
    std::string recv_hex();
    std::string recv();
    bool closed() const { return transport_.closed(); }
    // The network connection drops (no DISCONNECT).
    void drop();

  private:
    Harness& h_;
    FakeTransport transport_;
    std::unique_ptr<broker::Client> client_;
    std::string in_;
    bool dropped_ = false;
};

class Harness {
  public:
    explicit Harness(config::Config cfg = {});
    broker::Broker& broker() { return *broker_; }
    Loop& loop() { return loop_; }
    std::unique_ptr<Conn> connect() { return std::make_unique<Conn>(*this); }
    void tick(broker::Clock::time_point now) {
        broker_->worker(0).tick(now);
        loop_.run();
    }

  private:
    Loop loop_;
    std::unique_ptr<broker::Broker> broker_;
};

// Encodes a packet for tests.
template <class P>
std::string bytes(const P& p, mqtt::Version v = mqtt::Version::kV311) {
    std::string out;
    mqtt::encode(p, v, out);
    return out;
}
inline std::string bytes(const mqtt::Connect& p) {
    std::string out;
    mqtt::encode(p, out);
    return out;
}

}  // namespace nmq::conformance
