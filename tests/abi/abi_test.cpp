// The ABI's binary shape: struct layouts pinned, one exported symbol per module.
#include <plinth/plinth.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

// Layouts are part of the contract: a change here is an ABI break and needs a new major (or an
// appended field with a larger struct_size). Pinned for LP64 (x86_64, aarch64).
static_assert(sizeof(void *) == 8, "layouts below are pinned for LP64");
static_assert(sizeof(plinth_str) == 16);
static_assert(offsetof(plinth_error, code) == 4 && offsetof(plinth_error, db_errno) == 8);
static_assert(offsetof(plinth_error, message) == 12 && sizeof(plinth_error) == 524);
static_assert(offsetof(plinth_sink, context) == 8 && offsetof(plinth_sink, write) == 16 && sizeof(plinth_sink) == 24);
static_assert(sizeof(plinth_magic) == 8);
static_assert(offsetof(plinth_module_entry, abi_major) == 4 && offsetof(plinth_module_entry, abi_minor) == 8);
static_assert(offsetof(plinth_module_entry, magic) == 12 && offsetof(plinth_module_entry, module_id) == 24);
static_assert(offsetof(plinth_module_entry, dependencies) == 48 && offsetof(plinth_module_entry, dependency_count) == 56);
static_assert(offsetof(plinth_module_entry, create) == 64 && sizeof(plinth_module_entry) == 72);
static_assert(offsetof(plinth_module, module_data) == 8 && offsetof(plinth_module, get_interface) == 16);
static_assert(offsetof(plinth_module, destroy) == 24 && sizeof(plinth_module) == 32);
static_assert(offsetof(plinth_host, host_data) == 16 && offsetof(plinth_host, get_service) == 24 && sizeof(plinth_host) == 32);
static_assert(sizeof(plinth_dependency) == 24);
static_assert(offsetof(plinth_call_context, user_id) == 8 && offsetof(plinth_call_context, role) == 16);
// ABI 1.1 appended the request's client address and id after the 1.0 layout (24 bytes).
static_assert(offsetof(plinth_call_context, client_address) == 24 && offsetof(plinth_call_context, request_id) == 40);
static_assert(sizeof(plinth_call_context) == 56);
static_assert(sizeof(plinth_command_v1) == 24);
static_assert(offsetof(plinth_subject, emails) == 16 && sizeof(plinth_subject) == 32);
static_assert(offsetof(plinth_erasure_item, outcome) == 40 && offsetof(plinth_erasure_item, retained_until) == 64);
static_assert(sizeof(plinth_erasure_item) == 72);
static_assert(sizeof(plinth_export_sink) == 32 && sizeof(plinth_erasure_sink) == 24);
static_assert(offsetof(plinth_data_category, retention_days) == 88 && sizeof(plinth_data_category) == 112);
static_assert(sizeof(plinth_retention_count) == 48);
static_assert(sizeof(plinth_personal_data_v1) == 24 && sizeof(plinth_data_inventory_v1) == 16);
static_assert(sizeof(plinth_retention_v1) == 16 && sizeof(plinth_schema_v1) == 16);
static_assert(offsetof(plinth_license_query, network) == 56 && sizeof(plinth_license_query) == 72); // 1.1: network
static_assert(offsetof(plinth_license_verdict, expires_at) == 24 && offsetof(plinth_license_verdict, network_id) == 40);
static_assert(offsetof(plinth_license_verdict, coverage) == 48 && sizeof(plinth_license_verdict) == 56); // 1.1
static_assert(offsetof(plinth_session_info, role) == 16 && sizeof(plinth_session_info) == 32);
static_assert(sizeof(plinth_registry_entry) == 40 && sizeof(plinth_registry_v1) == 24);
static_assert(PLINTH_OK == 0 && PLINTH_E_INTERNAL == 13, "status codes are never renumbered");
static_assert(PLINTH_LICENSE_VALID == 0 && PLINTH_LICENSE_SITE_NOT_ACTIVATED == 8 && PLINTH_LICENSE_INVALID_SITE == 9);

namespace {

std::vector<std::string> dynamic_symbols(const std::filesystem::path &library) {
    std::string command = "nm -D --defined-only '" + library.string() + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
    std::vector<std::string> symbols;
    std::array<char, 512> line{};
    while (pipe && fgets(line.data(), line.size(), pipe.get())) {
        std::string s(line.data());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (!s.empty()) symbols.push_back(s.substr(s.rfind(' ') + 1));
    }
    return symbols;
}

std::vector<std::filesystem::path> modules_in(const char *dir) {
    std::vector<std::filesystem::path> out;
    for (const auto &e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".so") out.push_back(e.path());
    return out;
}

} // namespace

TEST(Abi, EveryBuiltModuleExportsExactlyTheEntrySymbol) {
    auto modules = modules_in(PLINTH_TEST_MODULE_DIR);
    for (const auto &m : modules_in(PLINTH_TEST_FIXTURE_DIR))
        if (m.filename() != "plinth_no_entry.so") modules.push_back(m);
    ASSERT_FALSE(modules.empty());
    for (const auto &m : modules) {
        auto symbols = dynamic_symbols(m);
        ASSERT_EQ(symbols.size(), 1u) << m << " exports: " << ::testing::PrintToString(symbols);
        EXPECT_EQ(symbols[0], PLINTH_ENTRY_SYMBOL) << m;
    }
}

TEST(Abi, MagicInitialiserDescribesThisBuild) {
    plinth_magic magic = PLINTH_MAGIC_INIT;
    EXPECT_EQ(magic.constant, PLINTH_MAGIC_CONSTANT);
    EXPECT_EQ(magic.pointer_size, sizeof(void *));
    EXPECT_EQ(magic.abi_major, PLINTH_ABI_MAJOR);
}
