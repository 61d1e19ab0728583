#include "cli/signals.hpp"

#include <csignal>

namespace nmq::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;  // the one thing a signal handler may touch
extern "C" void on_stop_signal(int) {
    g_stop = 1;
}
}  // namespace

void install_stop_signals() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() noexcept {
    return g_stop != 0;
}

}  // namespace nmq::cli
