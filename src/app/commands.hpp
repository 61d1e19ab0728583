#pragma once
// The `nanomq` command line: start, stop and restart, with NanoMQ's options.
namespace nmq::app {

int run_command_line(int argc, char** argv);

}  // namespace nmq::app
