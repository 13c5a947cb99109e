// Zip writing, SHA-256, export staging and archive assembly — on disk, without a database.
#include "archive/digest.hpp"
#include "archive/zip_writer.hpp"
#include "service/archive_builder.hpp"
#include "service/export_staging.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace plinth::privacy {
namespace {

namespace fs = std::filesystem;

class PrivacyArchive : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("plinth_privacy_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

std::string binary_blob() {
    std::string b;
    for (int i = 0; i < 5000; ++i) b.push_back(static_cast<char>((i * 131) & 0xff));
    return b;
}

mode_t mode_of(const fs::path &p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

TEST(PrivacyDigest, KnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256Stream s;
    s.update("a", 1);
    s.update("bc", 2);
    Sha256 d = s.finish();
    EXPECT_EQ(d, sha256("abc"));
}

TEST_F(PrivacyArchive, ZipRoundTripIsPrivate) {
    const fs::path source = dir_ / "blob";
    std::ofstream(source, std::ios::binary) << binary_blob();
    const fs::path zip = dir_ / "a.zip";
    {
        ZipWriter w(zip);
        w.add_bytes("export.json", "{\"a\":1}");
        w.add_file("files/m/blob.bin", source);
        w.finish();
    }
    EXPECT_EQ(mode_of(zip), 0600u);
    auto names = list_zip_entries(zip);
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0], "export.json");
    EXPECT_EQ(read_zip_entry(zip, "export.json"), "{\"a\":1}");
    EXPECT_EQ(read_zip_entry(zip, "files/m/blob.bin"), binary_blob());
    EXPECT_THROW(read_zip_entry(zip, "missing"), sdk::Error);
}

TEST_F(PrivacyArchive, ZipRefusesUnsafeNamesAndLeavesNothingWhenUnfinished) {
    const fs::path zip = dir_ / "b.zip";
    {
        ZipWriter w(zip);
        for (const char *bad : {"/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "", "./x"})
            EXPECT_THROW(w.add_bytes(bad, "x"), sdk::Error) << bad;
        w.add_bytes("ok..name.txt", "fine");
    }
    EXPECT_FALSE(fs::exists(zip));
    const fs::path existing = dir_ / "c.zip";
    std::ofstream(existing) << "x";
    EXPECT_THROW(ZipWriter{existing}, sdk::Error) << "an existing file is never overwritten";
}

Register staging_register() {
    Register reg;
    ModuleRecord m{"tickets", {}, true, true, false, {}};
    m.categories.push_back({"ticket attachments", "files", "support", "contract", "until closed", 0, "staff"});
    m.categories.push_back({"ticket description", "text", "support", "contract", "until closed", 0, "staff"});
    reg.modules.push_back(m);
    return reg;
}

TEST_F(PrivacyArchive, StagingRoundTripAndArchive) {
    ExportStaging staging(dir_ / "work");
    make_private_dir(staging.dir());
    EXPECT_EQ(mode_of(staging.dir()), 0700u);
    EXPECT_FALSE(staging.is_complete("tickets"));
    const std::string blob = binary_blob();
    {
        StagedModuleWriter w(staging.module_dir("tickets"));
        w.item("ticket description", R"({"id":1,"text":"It <breaks>"})");
        w.file("ticket attachments", "log.txt", "text/plain", reinterpret_cast<const uint8_t *>(blob.data()),
               blob.size());
        w.file("ticket attachments", "log.txt", "", reinterpret_cast<const uint8_t *>("x"), 1);
        EXPECT_THROW(w.item("ticket description", "[1,2]"), sdk::Error);
        EXPECT_THROW(w.item("ticket description", "{broken"), sdk::Error);
        EXPECT_THROW(w.item("", "{}"), sdk::Error);
        EXPECT_EQ(w.items(), 1);
        EXPECT_EQ(w.files(), 2);
        EXPECT_FALSE(staging.is_complete("tickets"));
        w.complete();
    }
    EXPECT_TRUE(staging.is_complete("tickets"));

    Register reg = staging_register();
    ExportDocument doc;
    doc.request_id = 3;
    doc.generated_at = 1767225600;
    doc.emails = {"a@example.org"};
    std::map<std::string, fs::path> sources;
    std::set<std::string> taken;
    ModuleExport m;
    staging.load("tickets", reg, m, sources, taken);
    complete_groups(m, reg);
    doc.modules.push_back(m);
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_EQ(doc.item_count(), 1u);
    EXPECT_EQ(doc.file_count(), 2u);

    const fs::path zip = dir_ / "out.zip";
    BuiltArchive built = write_export_archive(doc, sources, zip);
    EXPECT_EQ(mode_of(zip), 0600u);
    EXPECT_EQ(built.entries.front(), "export.json");
    EXPECT_EQ(built.entries.back(), "manifest.json");
    EXPECT_EQ(built.sha256, sha256_file_hex(zip));

    // Every file in the archive is in the manifest with its true digest, and vice versa.
    auto manifest = boost::json::parse(read_zip_entry(zip, "manifest.json")).as_object();
    auto names = list_zip_entries(zip);
    EXPECT_EQ(manifest.at("files").as_array().size() + 1, names.size());
    for (const auto &f : manifest.at("files").as_array()) {
        const auto &o = f.as_object();
        std::string bytes = read_zip_entry(zip, std::string(o.at("path").as_string()));
        EXPECT_EQ(sha256_hex(bytes), o.at("sha256").as_string());
        EXPECT_EQ(bytes.size(), o.at("size").to_number<uint64_t>());
    }
    EXPECT_EQ(read_zip_entry(zip, "files/tickets/log.txt"), blob);
    EXPECT_EQ(read_zip_entry(zip, "files/tickets/log-2.txt"), "x");

    auto exported = boost::json::parse(read_zip_entry(zip, "export.json")).as_object();
    const auto &groups = exported.at("modules").as_array()[0].as_object().at("categories").as_array();
    EXPECT_EQ(groups[0].as_object().at("category").as_string(), "ticket attachments");
    EXPECT_EQ(groups[0].as_object().at("files").as_array().size(), 2u);
    EXPECT_EQ(groups[0].as_object().at("files").as_array()[1].as_object().at("media_type").as_string(),
              "application/octet-stream");
    EXPECT_EQ(groups[1].as_object().at("items").as_array()[0].as_object().at("text").as_string(), "It <breaks>");
    std::string html = read_zip_entry(zip, "index.html");
    EXPECT_EQ(html.find("<breaks>"), std::string::npos);

    staging.remove_all();
    EXPECT_FALSE(fs::exists(staging.dir()));
}

TEST_F(PrivacyArchive, RestagingReplacesAnInterruptedModule) {
    ExportStaging staging(dir_ / "work");
    {
        StagedModuleWriter w(staging.module_dir("m"));
        w.item("c", R"({"n":1})");
        w.item("c", R"({"n":2})");
        // no complete(): the run died here
    }
    EXPECT_FALSE(staging.is_complete("m"));
    {
        StagedModuleWriter w(staging.module_dir("m"));
        w.item("c", R"({"n":1})");
        w.item("c", R"({"n":2})");
        w.complete();
    }
    Register reg;
    ModuleExport m;
    std::map<std::string, fs::path> sources;
    std::set<std::string> taken;
    staging.load("m", reg, m, sources, taken);
    ASSERT_EQ(m.groups.size(), 1u);
    EXPECT_EQ(m.groups[0].items.size(), 2u) << "no duplicates from the interrupted pass";
}

TEST_F(PrivacyArchive, TamperedStagingIsRefused) {
    ExportStaging staging(dir_ / "work");
    {
        StagedModuleWriter w(staging.module_dir("m"));
        w.file("c", "a.bin", "application/octet-stream", reinterpret_cast<const uint8_t *>("abc"), 3);
        w.complete();
    }
    std::ofstream(staging.module_dir("m") / "f0", std::ios::binary | std::ios::trunc) << "abd";
    Register reg;
    ExportDocument doc;
    ModuleExport m;
    std::map<std::string, fs::path> sources;
    std::set<std::string> taken;
    staging.load("m", reg, m, sources, taken);
    doc.modules.push_back(m);
    EXPECT_THROW(write_export_archive(doc, sources, dir_ / "t.zip"), sdk::Error);
    EXPECT_FALSE(fs::exists(dir_ / "t.zip"));
}

} // namespace
} // namespace plinth::privacy
