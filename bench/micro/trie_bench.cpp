// SubscriptionTrie::match(), the broker's publish hot path, on a trie of 10k subscriptions
// shaped like an IoT fleet: "site/<s>/device/<d>/<sensor>", mostly exact filters, some '+',
// some '#', some shared groups. Plus topic-name validation, which every PUBLISH pays too.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "broker/subscription_trie.hpp"
#include "mqtt/topic.hpp"

namespace {

using nmq::broker::Subscriber;
using nmq::broker::SubscriptionTrie;

constexpr int kSites = 10;
constexpr int kDevices = 100;
constexpr int kSubscriptions = 10'000;
const char* const kSensors[] = {"temp", "humidity", "pressure", "battery", "status"};

std::string topic_of(int site, int device, int sensor) {
    return "site/" + std::to_string(site) + "/device/" + std::to_string(device) + "/" +
           kSensors[sensor];
}

// 70% exact topics, 12% one '+', 8% trailing '#', 5% shared, 5% "$SYS/..." filters.
std::string random_filter(std::mt19937& rng) {
    std::uniform_int_distribution<int> site(0, kSites - 1), device(0, kDevices - 1), sensor(0, 4),
        kind(0, 99);
    const int k = kind(rng);
    const auto s = std::to_string(site(rng));
    const auto d = std::to_string(device(rng));
    if (k < 70) return topic_of(site(rng), device(rng), sensor(rng));
    if (k < 76) return "site/" + s + "/device/+/" + kSensors[sensor(rng)];
    if (k < 82) return "site/+/device/" + d + "/+";
    if (k < 86) return "site/" + s + "/device/" + d + "/#";
    if (k < 90) return "site/" + s + "/#";
    if (k < 95) return "$share/g" + std::to_string(k % 3) + "/site/" + s + "/device/+/temp";
    return "$SYS/brokers/" + s + "/#";
}

struct Fixture {
    SubscriptionTrie trie;
    std::vector<std::string> topics;

    Fixture() {
        std::mt19937 rng(42);
        for (int i = 0; i < kSubscriptions; ++i) {
            Subscriber sub;
            sub.session = static_cast<nmq::broker::SessionId>(i + 1);
            trie.subscribe(random_filter(rng), sub);
        }
        std::uniform_int_distribution<int> site(0, kSites - 1), device(0, kDevices - 1),
            sensor(0, 4);
        for (int i = 0; i < 1024; ++i)
            topics.push_back(topic_of(site(rng), device(rng), sensor(rng)));
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

void BM_MatchMixed(benchmark::State& state) {
    auto& f = fixture();
    std::vector<Subscriber> out;
    std::size_t i = 0, matched = 0;
    for (auto _ : state) {
        out.clear();
        f.trie.match(f.topics[i++ & 1023], out);
        matched += out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["subscribers/match"] =
        benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()),
                           benchmark::Counter::kAvgThreads);
}
// Threads share the trie as the broker's workers do, under what would be a shared lock.
BENCHMARK(BM_MatchMixed)->ThreadRange(1, 2)->UseRealTime();

void BM_MatchMiss(benchmark::State& state) {
    auto& f = fixture();
    std::vector<Subscriber> out;
    for (auto _ : state) {
        out.clear();
        f.trie.match("factory/7/line/3/temp", out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_MatchMiss);

void BM_MatchDollarTopic(benchmark::State& state) {
    auto& f = fixture();
    std::vector<Subscriber> out;
    for (auto _ : state) {
        out.clear();
        f.trie.match("$SYS/brokers/3/clients/connected", out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_MatchDollarTopic);

// An attacker's topic: 32768 empty levels. Only the '#' at the root can follow it.
void BM_MatchDeepTopic(benchmark::State& state) {
    auto& f = fixture();
    const std::string deep(32767, '/');
    std::vector<Subscriber> out;
    for (auto _ : state) {
        out.clear();
        f.trie.match(deep, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_MatchDeepTopic);

void BM_SubscribeUnsubscribe(benchmark::State& state) {
    auto& f = fixture();
    Subscriber sub;
    sub.session = 1'000'000;
    for (auto _ : state) {
        f.trie.subscribe("site/3/device/42/+", sub);
        f.trie.unsubscribe("site/3/device/42/+", sub.session);
    }
}
BENCHMARK(BM_SubscribeUnsubscribe);

void BM_ValidTopicName(benchmark::State& state) {
    const std::string topic(static_cast<std::size_t>(state.range(0)), 'a');
    for (auto _ : state)
        benchmark::DoNotOptimize(nmq::mqtt::is_valid_topic_name(topic));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ValidTopicName)->Arg(32)->Arg(256)->Arg(65535);

void BM_ValidUtf8Mixed(benchmark::State& state) {
    std::string text;
    while (text.size() < 4096)
        text += "sensor/\xE6\x97\xA5\xE6\x9C\xAC/temperature/\xF0\x9F\x98\x80/";
    for (auto _ : state)
        benchmark::DoNotOptimize(nmq::mqtt::is_valid_utf8(text));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ValidUtf8Mixed);

}  // namespace
