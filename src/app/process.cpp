#include "app/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nmq::app {

namespace fs = std::filesystem;

namespace {
// Gone, or a zombie waiting for its parent to reap it: either way it has stopped.
bool exited(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

bool writable_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    return !ec && ::access(dir.c_str(), W_OK) == 0;
}
}  // namespace

std::string pid_file_path(const std::string& explicit_path) {
    if (!explicit_path.empty()) return explicit_path;
    if (const char* env = std::getenv("NANOMQ_PID_FILE"); env && *env) return env;
    if (writable_dir("/run/nanomq")) return "/run/nanomq/nanomq.pid";
    if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) {
        fs::path dir = fs::path(xdg) / "nanomq";
        if (writable_dir(dir)) return (dir / "nanomq.pid").string();
    }
    fs::path dir = fs::path("/tmp") / ("nanomq-" + std::to_string(::getuid()));
    writable_dir(dir);
    return (dir / "nanomq.pid").string();
}

bool write_pid_file(const std::string& path, std::string& error,
                    const std::vector<std::string>& extra) {
    std::error_code ec;
    auto parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    // Written to a temporary name and renamed, so a reader never sees half a number.
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) {
            error = "cannot write the PID file " + path + ": " + std::strerror(errno);
            return false;
        }
        out << ::getpid() << '\n';
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        error = "cannot write the PID file " + path + ": " + ec.message();
        return false;
    }
    // The PID file holds the PID alone (`kill $(cat nanomq.pid)` must work); what `nanomq
    // reload` needs to know goes beside it.
    std::ofstream side(path + ".source", std::ios::trunc);
    for (const auto& line : extra)
        side << line << '\n';
    return true;
}

std::vector<std::string> pid_file_extra(const std::string& path) {
    std::ifstream in(path + ".source");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

void remove_pid_file(const std::string& path) {
    // Only our own: a newer broker may have taken the file over.
    std::ifstream in(path);
    long pid = 0;
    if (in >> pid && pid == ::getpid()) {
        std::error_code ec;
        fs::remove(path, ec);
        fs::remove(path + ".source", ec);
    }
}

std::optional<pid_t> running_pid(const std::string& path) {
    std::ifstream in(path);
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return std::nullopt;
    if (exited(static_cast<pid_t>(pid))) return std::nullopt;
    return static_cast<pid_t>(pid);
}

int stop_running(const std::string& path, int seconds, std::string& message) {
    auto pid = running_pid(path);
    if (!pid) {
        message = "no running broker (PID file " + path + ")";
        return 1;
    }
    if (::kill(*pid, SIGTERM) != 0) {
        message = "cannot signal PID " + std::to_string(*pid) + ": " + std::strerror(errno);
        return 2;
    }
    for (int i = 0; i < seconds * 20; ++i) {
        if (exited(*pid)) {
            message = "stopped PID " + std::to_string(*pid);
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    message =
        "PID " + std::to_string(*pid) + " did not stop within " + std::to_string(seconds) + "s";
    return 2;
}

namespace {
constexpr const char* kRestartVariable = "NANOMQ_RESTARTED_IN_PLACE";

// Descriptors 3 and up are closed by the exec: a listener left open would hold its port
// against the new image. close_range does it in one call; /proc/self/fd where it is missing.
void close_on_exec_all() {
#ifdef CLOSE_RANGE_CLOEXEC
    if (::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
    std::vector<int> fds;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
        const std::string name = entry.path().filename().string();
        char* end = nullptr;
        long fd = std::strtol(name.c_str(), &end, 10);
        if (end != name.c_str() && *end == '\0' && fd > 2) fds.push_back(static_cast<int>(fd));
    }
    for (int fd : fds) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}
}  // namespace

RestartMark take_restart_mark() {
    const char* v = std::getenv(kRestartVariable);
    RestartMark mark = RestartMark::kNone;
    if (v != nullptr)
        mark = std::string(v) == "daemon" ? RestartMark::kDaemon : RestartMark::kForeground;
    ::unsetenv(kRestartVariable);
    return mark;
}

std::string restart_in_place(const std::vector<std::string>& args, const std::string& cwd,
                             bool daemonized) {
    if (args.empty()) return "no arguments to restart with";
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
        return "chdir " + cwd + ": " + std::strerror(errno);
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::setenv(kRestartVariable, daemonized ? "daemon" : "foreground", 1);
    close_on_exec_all();
    ::execv("/proc/self/exe", argv.data());
    const std::string error = std::string("exec /proc/self/exe: ") + std::strerror(errno);
    ::unsetenv(kRestartVariable);
    return error;
}

bool daemonize(std::string& error) {
    pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid > 0) std::_Exit(0);  // the original process: done
    if (::setsid() < 0) {
        error = std::string("setsid: ") + std::strerror(errno);
        return false;
    }
    pid = ::fork();  // no longer a session leader: can never regain a terminal
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid > 0) std::_Exit(0);
    ::umask(022);
    if (::chdir("/") != 0) {
        error = std::string("chdir: ") + std::strerror(errno);
        return false;
    }
    int fd = ::open("/dev/null", O_RDWR);
    if (fd >= 0) {
        ::dup2(fd, 0);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        if (fd > 2) ::close(fd);
    }
    return true;
}

}  // namespace nmq::app
