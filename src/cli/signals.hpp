#pragma once
// Ctrl-C and SIGTERM for the bench tools, whose main thread polls rather than running an
// io_context: the handler only sets a flag.
#include <atomic>

namespace nmq::cli {

void install_stop_signals();
bool stop_requested() noexcept;

}  // namespace nmq::cli
