// The loader refuses what it must, names why, and keeps the rest running.
#include "support/test_host.hpp"

#include <plinth/sdk/host.hpp>

#include <gtest/gtest.h>

#include <plinth/sdk/display.hpp>

#include <algorithm>
#include <mutex>

namespace {

using plinth::host::Host;
using plinth::host::HostOptions;

struct Loaded {
    plinth::test::TestDatabase database{"loader"}; // example_c (a newsletter) keeps its table there
    std::vector<std::string> log;
    std::mutex mutex;
    std::unique_ptr<Host> host;

    Loaded() {
        HostOptions o;
        o.module_paths = {PLINTH_TEST_FIXTURE_DIR, std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_example_c.so"};
        o.state_dir = std::string(PLINTH_TEST_STATE_DIR) + "/loader";
        o.config["database"] = database.config();
        o.log = [this](int32_t, std::string_view module, std::string_view message) {
            std::lock_guard lock(mutex);
            log.push_back(std::string(module) + ": " + std::string(message));
        };
        host = std::make_unique<Host>(std::move(o));
        host->load();
    }

    const plinth::host::ModuleInfo &info(const std::string &file) const {
        for (const auto &m : host->modules())
            if (m.path.filename() == "plinth_" + file + ".so") return m;
        throw std::runtime_error("no module file " + file);
    }
};

TEST(Loader, RefusesWrongMagic) {
    Loaded l;
    const auto &m = l.info("bad_magic");
    EXPECT_FALSE(m.loaded);
    EXPECT_NE(m.refusal.find("bad magic"), std::string::npos) << m.refusal;
}

TEST(Loader, RefusesNewerMajorNamingBothVersions) {
    Loaded l;
    const auto &m = l.info("newer_major");
    EXPECT_FALSE(m.loaded);
    const std::string minor = std::to_string(PLINTH_ABI_MINOR);
    EXPECT_NE(m.refusal.find("module ABI 2." + minor), std::string::npos) << m.refusal;
    EXPECT_NE(m.refusal.find("host ABI 1." + minor), std::string::npos) << m.refusal;
    EXPECT_NE(m.refusal.find("major"), std::string::npos) << m.refusal;
}

TEST(Loader, LoadsAModuleBuiltAgainstANewerMinor) {
    // CLAP's rule: a newer minor of the same major only appended. The fixture grows its entry and
    // its plinth_module past what this host knows and asks for a service from the future; it
    // loads, the unknown service comes back NULL, and it runs.
    Loaded l;
    const auto &m = l.info("newer_minor");
    ASSERT_TRUE(m.loaded) << m.refusal;
    EXPECT_EQ(m.abi_major, static_cast<uint32_t>(PLINTH_ABI_MAJOR));
    EXPECT_EQ(m.abi_minor, static_cast<uint32_t>(PLINTH_ABI_MINOR + 1));
    EXPECT_EQ(m.to_json().at("abi").as_string(), "1." + std::to_string(PLINTH_ABI_MINOR + 1));
    auto result = l.host->call("newer_minor", "hello", "{}", plinth::host::system_caller());
    EXPECT_EQ(result.at("fixture").as_string(), "newer_minor");
    EXPECT_EQ(result.at("future_service").as_bool(), false);
}

TEST(Loader, RefusesADifferentMajorWithAClearError) {
    Loaded l;
    const auto &m = l.info("newer_major");
    EXPECT_FALSE(m.loaded);
    EXPECT_EQ(l.host->module("newer_major"), nullptr);
    EXPECT_EQ(m.refusal, "module ABI 2." + std::to_string(PLINTH_ABI_MINOR) +
                             " has a different major version than host ABI 1." + std::to_string(PLINTH_ABI_MINOR));
}

TEST(Loader, ListsTheInterfacesEachModuleNamesWithoutAListOfItsOwn) {
    Loaded l;
    // zz_base lists plinth.command/1 and an id only it knows; the host reports both.
    EXPECT_EQ(l.info("zz_base").interfaces, (std::vector<std::string>{PLINTH_EXT_COMMAND, "fixture.only-here/1"}));
    // aa_user lists nothing (its plinth_module leaves interface_ids NULL): it is asked for every
    // id the others list and answers only plinth.command/1.
    EXPECT_EQ(l.info("aa_user").interfaces, std::vector<std::string>{PLINTH_EXT_COMMAND});
}

TEST(Loader, ATableTooSmallForItsIdIsNotUsedAndTheErrorSaysWhy) {
    Loaded l;
    ASSERT_TRUE(l.info("broken_table").loaded);
    try {
        l.host->call("broken_table", "hello", "{}", plinth::host::system_caller());
        FAIL() << "a table of 8 bytes was called";
    } catch (const plinth::sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE);
        EXPECT_NE(std::string(e.what()).find("struct_size too small"), std::string::npos) << e.what();
    }
    EXPECT_EQ(l.host->interface_as<plinth_command_v1>("broken_table"), nullptr);
}

TEST(Loader, RefusesLibraryWithoutEntrySymbol) {
    Loaded l;
    const auto &m = l.info("no_entry");
    EXPECT_FALSE(m.loaded);
    EXPECT_NE(m.refusal.find("no entry symbol"), std::string::npos) << m.refusal;
}

TEST(Loader, RefusesModuleWhoseCreateFails) {
    Loaded l;
    const auto &m = l.info("failing_create");
    EXPECT_FALSE(m.loaded);
    EXPECT_NE(m.refusal.find("fixture refuses to start"), std::string::npos) << m.refusal;
    EXPECT_EQ(l.host->module("failing_create"), nullptr);
}

TEST(Loader, RefusesModuleWithMissingRequiredModule) {
    Loaded l;
    const auto &m = l.info("needs_missing");
    EXPECT_FALSE(m.loaded);
    EXPECT_NE(m.refusal.find("no_such_module"), std::string::npos) << m.refusal;
}

TEST(Loader, KeepsRunningTheOthers) {
    Loaded l;
    EXPECT_TRUE(l.info("zz_base").loaded);
    EXPECT_TRUE(l.info("example_c").loaded);
    auto result = l.host->call("example_c", "add", R"({"a":20,"b":22})", plinth::host::system_caller());
    EXPECT_EQ(result.at("sum").as_int64(), 42);
}

TEST(Loader, InitialisesInDependencyOrderAndDestroysInReverse) {
    std::vector<std::string> log;
    {
        Loaded l;
        ASSERT_TRUE(l.info("aa_user").loaded) << l.info("aa_user").refusal; // its optional dependency is absent
        l.host.reset();
        log = l.log;
    }
    auto at = [&](const std::string &line) {
        return std::find(log.begin(), log.end(), line) - log.begin();
    };
    ASSERT_LT(at("zz_base: created zz_base"), static_cast<long>(log.size()));
    EXPECT_LT(at("zz_base: created zz_base"), at("aa_user: created aa_user"));
    EXPECT_LT(at("aa_user: destroyed aa_user"), at("zz_base: destroyed zz_base"));
}

TEST(Loader, ModuleBuiltAgainstFrozenV1_0HeadersLoadsAndRuns) {
    Loaded l;
    const auto &m = l.info("frozen_v1_0");
    ASSERT_TRUE(m.loaded) << m.refusal;
    EXPECT_EQ(m.abi_major, 1u);
    EXPECT_EQ(m.abi_minor, 0u);
    auto result = l.host->call("frozen_v1_0", "hello", "{}", plinth::host::system_caller());
    EXPECT_EQ(result.at("fixture").as_string(), "frozen_v1_0");
    // A 1.0 module cannot list its interfaces: it is asked for the ids the others list (zz_base,
    // built from the same source, lists both) and answers both.
    EXPECT_EQ(m.interfaces, (std::vector<std::string>{PLINTH_EXT_COMMAND, "fixture.only-here/1"}));
}

TEST(Loader, FrozenV1_0ModuleRunsWithTheLargerV1_1CallContext) {
    // A 1.1 host hands every module its 1.1 context (client address, request id appended); a
    // module built against 1.0 reads only the fields it knows and keeps working.
    Loaded l;
    ASSERT_TRUE(l.info("frozen_v1_0").loaded);
    const std::string address = "198.51.100.4", id = "req-7";
    plinth_call_context caller = plinth::host::anonymous_caller();
    caller.client_address = plinth::sdk::to_str(address);
    caller.request_id = plinth::sdk::to_str(id);
    ASSERT_GT(caller.struct_size, offsetof(plinth_call_context, client_address));
    auto result = l.host->call("frozen_v1_0", "hello", "{}", caller);
    EXPECT_EQ(result.at("fixture").as_string(), "frozen_v1_0");
}

TEST(Loader, RefusedModulesAreListedWithTheirReasonInJson) {
    Loaded l;
    auto json = l.info("newer_major").to_json();
    EXPECT_EQ(json.at("loaded").as_bool(), false);
    EXPECT_FALSE(json.at("refusal").as_string().empty());
    auto ok = l.info("example_c").to_json();
    EXPECT_EQ(ok.at("interfaces").as_array().at(0).as_string(), "plinth.command/1");
}

// ---- Text a module hands the host is untrusted ----

namespace hostile {

bool is_valid_utf8(std::string_view s) { return plinth::sdk::repair_utf8(s, s.size()) == s; }

plinth::sdk::Error call_error(const Host &host, std::string_view command) {
    try {
        host.call("hostile", command, "{}", plinth::host::system_caller());
    } catch (const plinth::sdk::Error &e) {
        return e;
    }
    return plinth::sdk::Error(PLINTH_OK, "succeeded");
}

TEST(HostileModule, AMessageFillingTheWholeBufferIsReadNoFurther) {
    Loaded l;
    auto e = call_error(*l.host, "overflow");
    EXPECT_EQ(e.status(), PLINTH_E_CONFLICT);
    EXPECT_EQ(std::string(e.what()), std::string(PLINTH_ERROR_MESSAGE_CAPACITY, 'A'));
}

TEST(HostileModule, InvalidUtf8IsReplacedAndTheMessageStaysJson) {
    Loaded l;
    auto e = call_error(*l.host, "garbage");
    EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_TRUE(is_valid_utf8(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("\xEF\xBF\xBD"), std::string::npos);
    // Serialising it gives JSON a strict parser accepts, with the controls escaped.
    std::string json = boost::json::serialize(boost::json::value{{"message", e.what()}});
    boost::system::error_code ec;
    boost::json::parse(json, ec);
    EXPECT_FALSE(ec) << json;
    EXPECT_EQ(json.find('\x1b'), std::string::npos);
    EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(HostileModule, AnEmptyMessageGetsADefault) {
    Loaded l;
    auto e = call_error(*l.host, "silent");
    EXPECT_EQ(e.status(), PLINTH_E_NOT_FOUND);
    EXPECT_STREQ(e.what(), "not_found (no message given)");
}

TEST(HostileModule, LogLinesAreOneEscapedLine) {
    Loaded l;
    l.host->call("hostile", "log", "{}", plinth::host::system_caller());
    std::string line;
    for (const auto &entry : l.log)
        if (entry.rfind("hostile: bad", 0) == 0) line = entry;
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
    EXPECT_TRUE(is_valid_utf8(line)) << line;
    EXPECT_NE(line.find("\\n[error] accounts: forged line"), std::string::npos) << line;
}

TEST(HostileModule, EntryTextAndRefusalsAreBoundedValidUtf8) {
    Loaded l;
    const auto &m = l.info("hostile");
    ASSERT_TRUE(m.loaded) << m.refusal;
    EXPECT_TRUE(is_valid_utf8(m.description)) << m.description;
    const auto &refused = l.info("hostile_refused");
    EXPECT_FALSE(refused.loaded);
    EXPECT_TRUE(is_valid_utf8(refused.refusal));
    EXPECT_LT(refused.refusal.size(), 600u) << refused.refusal; // 512 bytes of message and a prefix
    EXPECT_EQ(refused.refusal.back(), 'B') << refused.refusal; // the buffer's last byte, nothing beyond it
}

TEST(HostileModule, NamesEchoedInErrorsAreEscaped) {
    Loaded l;
    try {
        l.host->call("nosuch\xFF\x1b[2J", "x", "{}", plinth::host::system_caller());
        FAIL();
    } catch (const plinth::sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_NOT_FOUND);
        EXPECT_STREQ(e.what(), "no loaded module 'nosuch\xEF\xBF\xBD\\x1b[2J'");
    }
}

TEST(Loader, ARefusedModuleIsUnavailableWithItsReasonNotMissing) {
    Loaded l;
    try {
        l.host->call("failing_create", "hello", "{}", plinth::host::system_caller());
        FAIL();
    } catch (const plinth::sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE) << e.what();
        EXPECT_NE(std::string(e.what()).find("fixture refuses to start"), std::string::npos) << e.what();
    }
}

} // namespace hostile

} // namespace
