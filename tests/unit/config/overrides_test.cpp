// The overrides file of API changes: written atomically, merged key by key, applied after every
// other source through the key table.
#include "config/overrides.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "config/key_table.hpp"
#include "test_support.hpp"

namespace nmq::config {
namespace {

using test::TempDir;

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Overrides, PathBesideTheConfigurationFileUnlessSet) {
    Config c;
    EXPECT_EQ(overrides_path(c, "/etc/nanomq.conf"), "/etc/nanomq.conf.api-overrides.conf");
    EXPECT_EQ(overrides_path(c, ""), "");
    c.http_server.overrides_file = "/var/lib/nanomq/api.conf";
    EXPECT_EQ(overrides_path(c, "/etc/nanomq.conf"), "/var/lib/nanomq/api.conf");
}

TEST(Overrides, WriteMergesKeyByKeyAndReadsBack) {
    TempDir dir;
    const std::string path = dir.write("o.conf", "");
    std::filesystem::remove(path);
    write_overrides(path, {{"mqtt.max_mqueue_len", "64"}, {"auth.allow_anonymous", "false"}});
    write_overrides(path, {{"mqtt.max_mqueue_len", "65"}, {"listeners.tcp.my-l.bind", "\"h:1\""}});
    const std::vector<Override> expected{{"mqtt.max_mqueue_len", "65"},
                                         {"auth.allow_anonymous", "false"},
                                         {"listeners.tcp.my-l.bind", "\"h:1\""}};
    EXPECT_EQ(read_overrides(path), expected);
    const std::string text = read(path);
    EXPECT_EQ(text.find("mqtt.max_mqueue_len = 64"), std::string::npos);
    EXPECT_NE(text.find("# Configuration changes made through nanomq's HTTP API"),
              std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);  // it may hold passwords
    // Nothing left behind but the file itself.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1);
}

TEST(Overrides, StringsSurviveAnyCharacter) {
    TempDir dir;
    const std::string path = (dir.path() / "o.conf").string();
    const std::string tricky = "a\"b\\c\nd\te${HOME}#//\x01";
    write_overrides(path, {{"http_server.password", hocon_quote(tricky)}});
    Config c;
    std::vector<ConfigWarning> warnings;
    apply_overrides_file(c, path, warnings);
    EXPECT_EQ(c.http_server.password, tricky);
}

TEST(Overrides, AppliedKeyByKeyLeavingOtherListenersAlone) {
    TempDir dir;
    const std::string path = dir.write("o.conf",
                                       "listeners.tcp.b.bind = \"127.0.0.1:2000\"\n"
                                       "mqtt { max_mqueue_len = 5 }\n");
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_text(
        "listeners.tcp.a.bind = \"0.0.0.0:1000\"\n"
        "listeners.tcp.b.bind = \"0.0.0.0:1001\"\n",
        "nanomq.conf", warnings);
    apply_overrides_file(c, path, warnings);
    ASSERT_EQ(c.listeners.tcp.size(), 2u);
    EXPECT_EQ(c.listeners.tcp[0].port, 1000);
    EXPECT_EQ(c.listeners.tcp[1].host, "127.0.0.1");
    EXPECT_EQ(c.listeners.tcp[1].port, 2000);
    EXPECT_EQ(c.mqtt.max_mqueue_len, 5u);
    EXPECT_TRUE(warnings.empty());
}

TEST(Overrides, AListReplacesTheFilesListAndReadsBackAsWritten) {
    TempDir dir;
    const std::string path = (dir.path() / "o.conf").string();
    const std::string list =
        "[{local_topic = \"b/#\", remote_topic = \"up/#\"}, "
        "{local_topic = \"c\"}]";
    write_overrides(path, {{"bridges.mqtt.up.forwards", list},
                           {"bridges.mqtt.new.server", "\"mqtt-tcp://h:1883\""}});
    // What the file holds reads back unchanged, so a later write keeps it.
    auto back = read_overrides(path);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0], (Override{"bridges.mqtt.up.forwards", list}));
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_text(
        "bridges.mqtt.up { server = \"mqtt-tcp://h:1\", forwards = [{local_topic = \"a/#\"}] }\n",
        "nanomq.conf", warnings);
    apply_overrides_file(c, path, warnings);
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(c.bridges.mqtt.size(), 2u);
    const auto& up = c.bridges.mqtt[0];
    ASSERT_EQ(up.forwards.size(), 2u);  // replaced, not merged
    EXPECT_EQ(up.forwards[0].local_topic, "b/#");
    EXPECT_EQ(up.forwards[0].remote_topic, "up/#");
    EXPECT_EQ(up.forwards[1].local_topic, "c");
    EXPECT_EQ(c.bridges.mqtt[1].name, "new");
    EXPECT_EQ(c.bridges.mqtt[1].server, "mqtt-tcp://h:1883");
}

TEST(Overrides, ABadListEntryOrAnIncompleteBridgeFailsNamingTheKey) {
    TempDir dir;
    std::vector<ConfigWarning> warnings;
    Config c;
    const std::string bad = dir.write("bad.conf",
                                      "bridges.mqtt.b.server = \"mqtt-tcp://h:1\"\n"
                                      "bridges.mqtt.b.forwards = [{local_topic = \"a/#/b\"}]\n");
    try {
        apply_overrides_file(c, bad, warnings);
        FAIL() << "accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bridges.mqtt.b.forwards.0.local_topic"),
                  std::string::npos)
            << e.what();
    }
    // Enabled without a server: the check across keys runs on the overrides too.
    const std::string no_server = dir.write("ns.conf", "bridges.mqtt.c.enable = true\n");
    Config d;
    try {
        apply_overrides_file(d, no_server, warnings);
        FAIL() << "accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bridges.mqtt.c.server: required"), std::string::npos)
            << e.what();
    }
}

TEST(Overrides, MissingFileChangesNothing) {
    Config c;
    std::vector<ConfigWarning> warnings;
    apply_overrides_file(c, "/nonexistent/o.conf", warnings);
    apply_overrides_file(c, "", warnings);
    EXPECT_EQ(c, Config{});
    EXPECT_TRUE(read_overrides("/nonexistent/o.conf").empty());
}

TEST(Overrides, BadValuesFailWithFileLineAndKey) {
    TempDir dir;
    const std::string path = dir.write("o.conf", "# c\nmqtt.max_mqueue_len = 0\n");
    Config c;
    std::vector<ConfigWarning> warnings;
    try {
        apply_overrides_file(c, path, warnings);
        FAIL() << "accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(path + ":2:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("mqtt.max_mqueue_len"), std::string::npos);
    }
}

TEST(Overrides, UnknownKeysAndTheFileItselfAreSkippedWithAWarning) {
    TempDir dir;
    const std::string path = dir.write("o.conf", "mqtt.nope = 1\nhttp_server.overrides_file = x\n");
    Config c;
    std::vector<ConfigWarning> warnings;
    apply_overrides_file(c, path, warnings);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0].key, "mqtt.nope");
    EXPECT_EQ(warnings[1].key, "http_server.overrides_file");
    EXPECT_EQ(c, Config{});
}

TEST(Overrides, AnUnreadableFileIsNeverReplaced) {
    TempDir dir;
    const std::string path = dir.write("o.conf", "mqtt { max_mqueue_len = \n");
    EXPECT_THROW(write_overrides(path, {{"mqtt.max_mqueue_len", "3"}}), std::runtime_error);
    EXPECT_EQ(read(path), "mqtt { max_mqueue_len = \n");
}

TEST(Overrides, WriteFailureNamesTheFile) {
    TempDir dir;
    const std::string path = dir.write("a-file", "") + "/o.conf";  // under a file: cannot be
    try {
        write_overrides(path, {{"mqtt.max_mqueue_len", "3"}});
        FAIL() << "written";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

TEST(Overrides, FilesAreWrittenWithTheirModeAndFolder) {
    TempDir dir;
    const std::string path = (dir.path() / "new" / "key.pem").string();
    write_file_atomically(path, "secret", 0600);
    EXPECT_EQ(read(path), "secret");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir.path() / "new").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace nmq::config
