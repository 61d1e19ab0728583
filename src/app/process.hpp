#pragma once
// Running as a service: the PID file, daemonising, and signalling a running broker
// (`nanomq stop`, `nanomq restart`).
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nmq::app {

// The PID file to use: `explicit_path` when given, else $NANOMQ_PID_FILE, else
// /run/nanomq/nanomq.pid when that folder can be made and written, else
// $XDG_RUNTIME_DIR/nanomq/nanomq.pid or /tmp/nanomq-<uid>/nanomq.pid.
std::string pid_file_path(const std::string& explicit_path);

// Writes this process's PID (creating the folder), and `extra` lines (the configuration it
// runs with, for `nanomq reload`) to PATH.source beside it; false with `error` set on failure.
bool write_pid_file(const std::string& path, std::string& error,
                    const std::vector<std::string>& extra = {});
// The lines of PATH.source.
std::vector<std::string> pid_file_extra(const std::string& path);
void remove_pid_file(const std::string& path);
// The PID recorded in `path` when that process is alive.
std::optional<pid_t> running_pid(const std::string& path);

// Sends SIGTERM to the broker named by `path` and waits up to `seconds` for it to exit.
// Returns 0 when it stopped, 1 when none was running, 2 when it did not stop in time.
int stop_running(const std::string& path, int seconds, std::string& message);

// A restart in place (HTTP API req 10): the process executes itself again, keeping its PID.
// The mark tells the new image that it is a restart, and whether it runs as a daemon already.
enum class RestartMark { kNone, kForeground, kDaemon };
// Reads and clears the mark (an environment variable set by restart_in_place).
RestartMark take_restart_mark();
// Executes /proc/self/exe with `args` (args[0] first) in this process, from the folder `cwd`
// (where relative paths in `args` were given), every descriptor but stdin, stdout and stderr
// closed on the way. Returns only on failure, with the reason.
std::string restart_in_place(const std::vector<std::string>& args, const std::string& cwd,
                             bool daemonized);

// Detaches from the terminal (double fork, new session, stdio to /dev/null, cwd "/").
// Returns in the daemon; the original process exits. False on failure.
bool daemonize(std::string& error);

}  // namespace nmq::app
