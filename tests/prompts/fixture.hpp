// tests/prompts/fixture.hpp — helpers shared by the prompts suites.
#pragma once

#include "support/sinks.hpp"
#include "support/test_host.hpp"

#include <plinth/host/host.hpp>
#include <plinth/plinth.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace plinth::prompts::testing {

using boost::json::array;
using boost::json::object;
using boost::json::value;

inline constexpr int64_t kDay = 86400;

inline plinth_call_context customer(int64_t id) { return host::user_caller(id, PLINTH_ROLE_CUSTOMER); }
inline plinth_call_context staff() { return host::user_caller(900, PLINTH_ROLE_STAFF); }
inline plinth_call_context system() { return host::system_caller(); }

// Valid arguments of prompt.record; tests override single members.
inline object prompt_args(std::string prompt = "How do I enable multisite?", std::string feature = "support-chat",
                          std::string model = "gpt-4o-mini", int64_t latency_ms = 420) {
    return {{"feature", feature},          {"model", model},         {"prompt", prompt},
            {"response", "Use the network admin."}, {"input_tokens", 12}, {"output_tokens", 34},
            {"latency_ms", latency_ms}};
}

template <class T>
object with(object o, std::string_view key, T &&v) {
    o[key] = boost::json::value_from(std::forward<T>(v));
    return o;
}

inline int64_t count_rows(test::TestDatabase &db, const std::string &table) {
    return db.sql().query("SELECT COUNT(*) FROM " + table).at(0).i64(0);
}

// A host over `db` loading the given module files or folders (tests that need a test-only module
// next to the real ones, or must observe a refused module). Clock as in TestHost.
class CustomHost {
public:
    CustomHost(test::TestDatabase &db, std::vector<std::filesystem::path> paths, std::vector<std::string> modules,
               object config = {}) {
        state_dir_ = std::string(PLINTH_TEST_STATE_DIR) + "/" + db.name() + "_custom_" +
                     std::to_string(reinterpret_cast<uintptr_t>(this) % 100000);
        std::filesystem::create_directories(state_dir_);
        host::HostOptions o;
        o.module_paths = std::move(paths);
        o.only_modules = std::move(modules);
        o.config = std::move(config);
        o.config["database"] = db.config();
        o.state_dir = state_dir_;
        o.log = [](int32_t, std::string_view, std::string_view) {};
        host_ = std::make_unique<host::Host>(std::move(o));
        host_->set_clock([this] { return now_us_.load(); });
        host_->load();
    }
    ~CustomHost() {
        host_.reset();
        std::error_code ec;
        std::filesystem::remove_all(state_dir_, ec);
    }
    host::Host &host() { return *host_; }
    value call(std::string_view module, std::string_view command, const value &args, const plinth_call_context &c) {
        return host_->call(module, command, boost::json::serialize(args), c);
    }

private:
    std::string state_dir_;
    std::atomic<int64_t> now_us_{1767225600LL * 1000000};
    std::unique_ptr<host::Host> host_;
};

// ---- Calling the personal-data, inventory, retention and listener interfaces as privacy would ----

struct ExportItem {
    std::string category;
    object item;
};

inline plinth_subject subject_of(int64_t user_id) { return plinth_subject{sizeof(plinth_subject), user_id, nullptr, 0}; }

// Appends what the module exports for `user_id` to `items`; with `refuse` the receiver refuses
// every item, as a privacy module that failed would.
inline int32_t export_subject(host::Host &h, int64_t user_id, std::vector<ExportItem> &items, bool refuse = false) {
    const auto *pd = h.interface_as<plinth_personal_data_v1>("prompts", PLINTH_EXT_PERSONAL_DATA);
    EXPECT_NE(pd, nullptr);
    test::ExportCollector collected;
    collected.refuse = refuse;
    plinth_export_sink sink = collected.sink();
    plinth_subject s = subject_of(user_id);
    plinth_error e = sdk::make_error();
    const int32_t status = pd->export_subject(h.module("prompts"), &s, &sink, &e);
    for (auto &[category, item] : collected.items) items.push_back({category, item.as_object()});
    return status;
}

using Outcome = test::ErasureCollector::Item;

inline std::vector<Outcome> erase_subject(host::Host &h, int64_t user_id, bool dry_run) {
    const auto *pd = h.interface_as<plinth_personal_data_v1>("prompts", PLINTH_EXT_PERSONAL_DATA);
    test::ErasureCollector collected;
    plinth_erasure_sink sink = collected.sink();
    plinth_subject s = subject_of(user_id);
    plinth_error e = sdk::make_error();
    int32_t status = pd->erase_subject(h.module("prompts"), &s, dry_run ? 1 : 0, &sink, &e);
    EXPECT_EQ(status, PLINTH_OK) << e.message;
    return collected.items;
}

// {"AI prompts/anonymised": n, "AI prompts/removed": m}
inline std::map<std::string, int64_t> sweep(host::Host &h, int64_t now_us) {
    const auto *r = h.interface_as<plinth_retention_v1>("prompts", PLINTH_EXT_RETENTION);
    std::map<std::string, int64_t> counts;
    plinth_retention_sink sink{sizeof sink, &counts, [](void *c, const plinth_retention_count *n) -> int32_t {
                                   (*static_cast<std::map<std::string, int64_t> *>(c))[std::string(
                                       sdk::to_view(n->category)) + "/" + std::string(sdk::to_view(n->action))] +=
                                       n->count;
                                   return 0;
                               }};
    plinth_error e = sdk::make_error();
    int32_t status = r->sweep(h.module("prompts"), now_us, &sink, &e);
    EXPECT_EQ(status, PLINTH_OK) << e.message;
    return counts;
}

inline int32_t consent_changed(host::Host &h, int64_t user_id, std::string_view purpose, bool allowed) {
    const auto *l = h.interface_as<plinth_consent_listener_v1>("prompts", PLINTH_EXT_CONSENT_LISTENER);
    EXPECT_NE(l, nullptr);
    plinth_subject s = subject_of(user_id);
    plinth_error e = sdk::make_error();
    return l->consent_changed(h.module("prompts"), &s, sdk::to_str(purpose), allowed ? 1 : 0, &e);
}

} // namespace plinth::prompts::testing
