// `nanomq_cli bench pub|sub|conn`: builds the connections, spreads them over the workers, and
// drives the phases of a run from the main thread: connect (subscribers: until subscribed),
// run (publishers start together), drain, close, report.
#include <unistd.h>
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/bench_publisher.hpp"
#include "cli/bench_report.hpp"
#include "cli/bench_runtime.hpp"
#include "cli/bench_subscriber.hpp"
#include "cli/payload_header.hpp"
#include "cli/signals.hpp"

namespace nmq::cli {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr double kConnectTimeoutS = 120;
constexpr double kDrainTimeoutS = 5;

const char* role_name(BenchMode m) {
    return m == BenchMode::kPub ? "pub" : m == BenchMode::kSub ? "sub" : "conn";
}

std::string expand(const std::string& pattern, std::uint32_t index, const std::string& id) {
    std::string out;
    out.reserve(pattern.size() + 16);
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size()) {
            if (pattern[i + 1] == 'i') {
                out += std::to_string(index);
                ++i;
                continue;
            }
            if (pattern[i + 1] == 'c') {
                out += id;
                ++i;
                continue;
            }
        }
        out += pattern[i];
    }
    return out;
}

tcp::endpoint resolve(const ConnectOptions& c) {
    asio::io_context io;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(c.host, std::to_string(c.port));
    // Prefer IPv4: "localhost" often lists ::1 first, and many brokers bind 127.0.0.1 only.
    for (const auto& r : results) {
        if (r.endpoint().address().is_v4()) return r.endpoint();
    }
    return results.begin()->endpoint();
}

double seconds_since(std::uint64_t t0) {
    return static_cast<double>(now_ns() - t0) / 1e9;
}

struct Totals {
    std::uint64_t sent = 0, acked = 0, received = 0, bytes = 0, first = 0, last = 0;
};

Totals totals(const std::vector<std::unique_ptr<Worker>>& workers) {
    Totals t;
    for (const auto& w : workers) {
        t.sent += w->live.sent.load(std::memory_order_relaxed);
        t.acked += w->live.acked.load(std::memory_order_relaxed);
        t.received += w->live.received.load(std::memory_order_relaxed);
        t.bytes += w->live.payload_bytes.load(std::memory_order_relaxed);
        const auto f = w->live.first_ns.load(std::memory_order_relaxed);
        if (f && (t.first == 0 || f < t.first)) t.first = f;
        t.last = std::max(t.last, w->live.last_ns.load(std::memory_order_relaxed));
    }
    return t;
}

class BenchRun {
  public:
    BenchRun(const BenchOptions& o, tcp::endpoint ep) : o_(o), shared_(o, ep) {
        const std::uint32_t n = std::max<std::uint32_t>(1, o.connections);
        switch (o.mode) {
            case BenchMode::kSub:
                shared_.read_buffer_bytes =
                    std::clamp<std::size_t>((64u << 20) / n, 16 * 1024, 1024 * 1024);
                break;
            case BenchMode::kPub:
                shared_.read_buffer_bytes = 64 * 1024;
                break;
            case BenchMode::kConn:
                shared_.read_buffer_bytes = 512;
                break;
        }
        const std::uint32_t threads = std::max<std::uint32_t>(1, o.threads);
        for (std::uint32_t i = 0; i < threads; ++i) {
            workers_.push_back(std::make_unique<Worker>(shared_, i, threads));
        }
        create_connections();
    }

    int run();

  private:
    void create_connections();
    bool connect_phase();
    void run_phase();
    void close_phase();
    BenchReport report() const;
    void progress(double elapsed);
    void each(std::function<void(BenchConnection&)> f) {
        for (auto& w : workers_)
            w->post_each(f);
    }

    const BenchOptions& o_;
    BenchShared shared_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::uint64_t t_start_ = 0;
    std::uint64_t t_connected_ = 0;
    std::uint64_t last_progress_ = 0;
    Totals last_totals_;
};

void BenchRun::create_connections() {
    const std::string prefix = o_.id_prefix.empty() ? "nmqb-" + std::string(role_name(o_.mode)) +
                                                          "-" + std::to_string(::getpid()) + "-"
                                                    : o_.id_prefix;
    const std::uint32_t n = o_.connections;
    double rate_per_pub = 0;
    double period_s = 0;  // the time between two messages of the whole run, for phases
    if (o_.rate > 0) {
        rate_per_pub = o_.rate / n;
        period_s = 1.0 / o_.rate;
    } else if (o_.msg_interval_ms > 0) {
        rate_per_pub = 1000.0 / o_.msg_interval_ms;
        period_s = o_.msg_interval_ms / 1000.0 / n;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t index = o_.start_number + i;
        std::string id = prefix + std::to_string(index);
        Worker& w = *workers_[i % workers_.size()];
        std::unique_ptr<BenchConnection> c;
        switch (o_.mode) {
            case BenchMode::kPub:
                c = std::make_unique<Publisher>(w, index, id, expand(o_.topic, index, id),
                                                rate_per_pub, period_s * i);
                break;
            case BenchMode::kSub:
                c = std::make_unique<Subscriber>(w, index, id, expand(o_.topic, index, id));
                break;
            case BenchMode::kConn:
                c = std::make_unique<IdleConnection>(w, index, std::move(id));
                break;
        }
        w.add(std::move(c));
    }
}

int BenchRun::run() {
    t_start_ = now_ns();
    for (auto& w : workers_)
        w->run();
    for (auto& w : workers_)
        w->start_connecting();
    const bool connected = connect_phase();
    if (connected) run_phase();
    close_phase();
    const BenchReport r = report();
    if (o_.json) {
        print_json(r);
    } else {
        print_human(r);
    }
    std::fflush(stdout);
    return r.connected > 0 ? 0 : 1;
}

// Returns false when nothing is left to run (interrupted, or every connection failed).
bool BenchRun::connect_phase() {
    const std::uint32_t n = o_.connections;
    auto& st = shared_.state;
    std::uint64_t last_line = now_ns();
    for (;;) {
        const std::uint32_t failed = st.failed.load();
        const std::uint32_t connected = st.connected.load();
        const std::uint32_t done = o_.mode == BenchMode::kSub ? st.ready.load() : connected;
        if (done + failed >= n || st.finished.load() >= n) break;
        if (stop_requested() || seconds_since(t_start_) > kConnectTimeoutS) break;
        if (!o_.quiet && now_ns() - last_line > 1'000'000'000) {
            last_line = now_ns();
            std::fprintf(stderr, "connecting: %u/%u connected, %u failed\n", connected, n, failed);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    t_connected_ = now_ns();
    const std::uint32_t connected = st.connected.load();
    // Scripts wait for this line before starting publishers.
    std::fprintf(stderr, "ready: %u connected, %u failed, %u subscribed in %.3f s\n", connected,
                 st.failed.load(), st.ready.load(), seconds_since(t_start_));
    std::fflush(stderr);
    return connected > 0 && !stop_requested();
}

void BenchRun::run_phase() {
    const std::uint32_t n = o_.connections;
    auto& st = shared_.state;
    if (o_.mode == BenchMode::kPub) each([](BenchConnection& c) { c.begin(); });
    const std::uint64_t t_begin = now_ns();
    last_progress_ = t_begin;
    bool finishing = false;
    std::uint64_t t_finish = 0;
    for (;;) {
        std::this_thread::sleep_for(kPoll);
        const double elapsed = seconds_since(t_begin);
        if (!o_.quiet && now_ns() - last_progress_ >= 1'000'000'000) progress(elapsed);
        const bool all_finished = st.finished.load() >= n;
        if (o_.mode == BenchMode::kPub) {
            if (all_finished) break;
            const bool time_up = o_.duration > 0 && elapsed >= o_.duration;
            if ((time_up || stop_requested()) && !finishing) {
                finishing = true;
                t_finish = now_ns();
                each([](BenchConnection& c) { c.finish_sending(); });
            }
            if (finishing && (seconds_since(t_finish) > kDrainTimeoutS ||
                              (stop_requested() && seconds_since(t_finish) > 0.5))) {
                break;
            }
            continue;
        }
        if (stop_requested() || all_finished) break;
        if (o_.duration > 0 && elapsed >= o_.duration) break;
        if (o_.mode == BenchMode::kSub && o_.idle_exit > 0) {
            const Totals t = totals(workers_);
            if (t.received > 0 && static_cast<double>(now_ns() - t.last) / 1e9 > o_.idle_exit)
                break;
        }
    }
}

void BenchRun::close_phase() {
    each([](BenchConnection& c) { c.stop(); });
    const std::uint64_t t = now_ns();
    while (shared_.state.finished.load() < o_.connections && seconds_since(t) < 1.0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& w : workers_)
        w->shutdown();
    for (auto& w : workers_)
        w->join();
}

void BenchRun::progress(double elapsed) {
    const Totals t = totals(workers_);
    const double dt = static_cast<double>(now_ns() - last_progress_) / 1e9;
    last_progress_ = now_ns();
    switch (o_.mode) {
        case BenchMode::kPub:
            std::fprintf(stderr, "%6.1f s  sent %12llu (%10.0f msg/s)  completed %12llu\n", elapsed,
                         static_cast<unsigned long long>(t.sent), (t.sent - last_totals_.sent) / dt,
                         static_cast<unsigned long long>(t.acked));
            break;
        case BenchMode::kSub:
            std::fprintf(stderr, "%6.1f s  received %12llu (%10.0f msg/s)\n", elapsed,
                         static_cast<unsigned long long>(t.received),
                         (t.received - last_totals_.received) / dt);
            break;
        case BenchMode::kConn:
            std::fprintf(stderr, "%6.1f s  %u connected, %u closed\n", elapsed,
                         shared_.state.connected.load(), shared_.state.finished.load());
            break;
    }
    last_totals_ = t;
}

BenchReport BenchRun::report() const {
    BenchReport r;
    r.mode = o_.mode;
    r.connections = o_.connections;
    r.connected = shared_.state.connected.load();
    r.failed = shared_.state.failed.load();
    r.qos = o_.qos;
    const Totals t = totals(workers_);
    r.size = o_.size;
    if (o_.mode == BenchMode::kSub) {
        r.size = t.received ? static_cast<std::uint32_t>(t.bytes / t.received) : 0;  // the mean
    }
    r.sent = t.sent;
    r.acked = t.acked;
    r.received = t.received;
    r.elapsed_s = t.last > t.first ? static_cast<double>(t.last - t.first) / 1e9 : 0;
    const std::uint64_t count = o_.mode == BenchMode::kPub ? t.sent : t.received;
    if (r.elapsed_s > 0) {
        r.msg_per_s = count / r.elapsed_s;
        r.mb_per_s = static_cast<double>(t.bytes) / r.elapsed_s / 1e6;
    }
    r.connect_s = static_cast<double>(t_connected_ - t_start_) / 1e9;
    for (const auto& w : workers_) {
        r.latency.merge(w->latency);
        r.connect_time.merge(w->connect_time);
        for (const auto& c : w->connections()) {
            if (const auto* s = dynamic_cast<const Subscriber*>(c.get())) {
                r.streams += s->counts();
                r.stream_count += s->publishers_seen();
                r.untracked += s->untracked();
            }
        }
    }
    return r;
}

}  // namespace

int run_bench(const BenchOptions& o) {
    install_stop_signals();
    tcp::endpoint ep;
    try {
        ep = resolve(o.conn);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq_cli: cannot resolve %s: %s\n", o.conn.host.c_str(), e.what());
        return 1;
    }
    std::unique_ptr<BenchRun> run;
    try {
        run = std::make_unique<BenchRun>(o, ep);
    } catch (const std::exception& e) {  // a TLS file that cannot be used
        std::fprintf(stderr, "nanomq_cli: %s\n", e.what());
        return 1;
    }
    return run->run();
}

}  // namespace nmq::cli
