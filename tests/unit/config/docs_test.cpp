// docs/configuration.md is generated from the key table: this test fails when they differ.
// `make docs` (NMQ_UPDATE_DOCS=1) writes the file anew instead.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/key_table.hpp"

namespace nmq::config {
namespace {

std::filesystem::path doc_path() {
    // NMQ_SOURCE_DIR (tests/CMakeLists.txt), not __FILE__: a compiler cache may make that
    // relative.
    return std::filesystem::path(NMQ_SOURCE_DIR) / "docs" / "configuration.md";
}

TEST(ConfigurationDoc, MatchesTheKeyTable) {
    const std::string expected = keys_markdown();
    if (const char* update = std::getenv("NMQ_UPDATE_DOCS"); update && *update == '1') {
        std::filesystem::create_directories(doc_path().parent_path());
        std::ofstream(doc_path(), std::ios::binary) << expected;
    }
    std::ifstream in(doc_path(), std::ios::binary);
    ASSERT_TRUE(in) << doc_path() << " is missing: run `make docs`";
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(text.str() == expected)
        << "docs/configuration.md is out of date with src/config: run `make docs`";
}

}  // namespace
}  // namespace nmq::config
