#pragma once
// Helpers shared by the config tests: temporary files and the reference configuration folder.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "config/key_table.hpp"

namespace nmq::config::test {

// <repo>/../shared/reference/nanomq-etc, NanoMQ's own sample files.
inline std::filesystem::path reference_dir() {
    return std::filesystem::path(NMQ_SOURCE_DIR) / ".." / "shared" / "reference" / "nanomq-etc";
}

// Loads `text` as a nanomq.conf over the defaults; warnings go to `warnings` when given.
inline Config load(std::string_view text, std::vector<ConfigWarning>* warnings = nullptr) {
    std::vector<ConfigWarning> ignored;
    return load_hocon_text(text, "nanomq.conf", warnings != nullptr ? *warnings : ignored);
}

// The ConfigError that loading `text` throws, or "" when it loads.
inline std::string load_error(std::string_view text) {
    try {
        load(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// A fresh folder per test, removed afterwards.
class TempDir {
  public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                ("nmq_config_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
                 std::to_string(::getpid()));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to `name` (sub-folders created) and returns the full path.
    std::string write(const std::string& name, const std::string& text) const {
        auto p = path_ / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace nmq::config::test
