// The prompts module against a real MariaDB, through the host, as an application would use it.
#include "fixture.hpp"

#include <algorithm>
#include <set>
#include <thread>

namespace plinth::prompts::testing {
namespace {

class Prompts : public ::testing::Test {
protected:
    explicit Prompts(object config = {}) : db_("prompts"), host_(db_, {"prompts"}, std::move(config)) {}

    value record(const plinth_call_context &caller, const object &args) {
        return host_.call("prompts", "prompt.record", args, caller);
    }
    int64_t record_id(const plinth_call_context &caller, const object &args) {
        value v = record(caller, args);
        EXPECT_EQ(v.at("stored"), true) << v;
        return v.at("id").as_int64();
    }
    array list(const plinth_call_context &caller, object args = {}) {
        return host_.call("prompts", "prompt.list", args, caller).at("prompts").as_array();
    }
    array search(object args = {}) {
        return host_.call("prompts", "prompt.search", args, staff()).at("prompts").as_array();
    }
    value stats(object args) { return host_.call("prompts", "stats", args, staff()); }
    int32_t error(std::string_view command, std::string_view raw, const plinth_call_context &caller,
                  std::string *message = nullptr) {
        return host_.call_error("prompts", command, raw, caller, message);
    }

    test::TestDatabase db_;
    test::TestHost host_;
};

TEST_F(Prompts, OffersItsCommandsAndInterfaces) {
    const auto *command = host_.host().interface_as<plinth_command_v1>("prompts", PLINTH_EXT_COMMAND);
    ASSERT_NE(command, nullptr);
    sdk::StringSink out;
    plinth_error e = sdk::make_error();
    ASSERT_EQ(command->list(host_.host().module("prompts"), &out.sink, &e), PLINTH_OK);
    std::map<std::string, std::string> access;
    const value described = boost::json::parse(out.text);
    for (const auto &c : described.as_array())
        access[std::string(c.at("name").as_string())] = std::string(c.at("access").as_string());
    EXPECT_EQ(access, (std::map<std::string, std::string>{{"prompt.list", "customer"},
                                                          {"prompt.record", "customer"},
                                                          {"prompt.search", "staff"},
                                                          {"stats", "staff"}}));
    for (const char *id : {PLINTH_EXT_PERSONAL_DATA, PLINTH_EXT_DATA_INVENTORY, PLINTH_EXT_RETENTION,
                           PLINTH_EXT_SCHEMA, PLINTH_EXT_CONSENT_LISTENER})
        EXPECT_NE(host_.host().interface("prompts", id), nullptr) << id;
    EXPECT_EQ(host_.host().interface("prompts", PLINTH_EXT_CONSENT), nullptr);
}

TEST_F(Prompts, RecordsAPromptWhenNoPrivacyModuleIsLoaded) {
    ASSERT_EQ(host_.host().module("privacy"), nullptr);
    value r = record(customer(7), prompt_args());
    EXPECT_EQ(r.at("stored"), true);
    EXPECT_EQ(r.at("day"), "2026-01-01");
    EXPECT_EQ(r.at("created_at"), host_.now_us() / 1000000);

    array mine = list(customer(7));
    ASSERT_EQ(mine.size(), 1u);
    const object &p = mine[0].as_object();
    EXPECT_EQ(p.at("id"), r.at("id"));
    EXPECT_EQ(p.at("feature"), "support-chat");
    EXPECT_EQ(p.at("model"), "gpt-4o-mini");
    EXPECT_EQ(p.at("prompt"), "How do I enable multisite?");
    EXPECT_EQ(p.at("response"), "Use the network admin.");
    EXPECT_EQ(p.at("input_tokens"), 12);
    EXPECT_EQ(p.at("output_tokens"), 34);
    EXPECT_EQ(p.at("latency_ms"), 420);
    EXPECT_EQ(p.at("day"), "2026-01-01");
    EXPECT_FALSE(p.contains("user_id")); // the owner needs no reminder of who they are
    EXPECT_TRUE(list(customer(8)).empty());
}

TEST_F(Prompts, TextsAreStoredExactlyAsGiven) {
    const std::string tricky = "'; DROP TABLE prompts_log; -- \\ \" %_ 日本語 🚀 \x01";
    object args = with(prompt_args(tricky), "response", tricky + " (answer)");
    args.erase("latency_ms");
    args["latency_ms"] = 0;
    record_id(customer(7), args);
    array mine = list(customer(7));
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].at("prompt").as_string(), tricky);
    EXPECT_EQ(mine[0].at("response").as_string(), tricky + " (answer)");
    EXPECT_EQ(count_rows(db_, "prompts_log"), 1);

    object no_response = prompt_args("no answer came back");
    no_response.erase("response");
    record_id(customer(7), no_response);
    EXPECT_TRUE(list(customer(7), {{"limit", 1}})[0].at("response").is_null());
}

TEST_F(Prompts, WhoMayRecordForWhom) {
    // A user's own id may be named; somebody else's may not.
    record_id(customer(7), with(prompt_args(), "user_id", 7));
    std::string message;
    EXPECT_EQ(error("prompt.record", boost::json::serialize(with(prompt_args(), "user_id", 8)), customer(7), &message),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_NE(message.find("own"), std::string::npos) << message;
    // Staff and the host record for the user the application names.
    record_id(staff(), with(prompt_args("staff recorded"), "user_id", 8));
    record_id(system(), with(prompt_args("host recorded"), "user_id", 8));
    EXPECT_EQ(list(customer(8)).size(), 2u);
    // The host acts for nobody, so it must name the user; anonymous callers are refused.
    EXPECT_EQ(error("prompt.record", boost::json::serialize(prompt_args()), system(), &message),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("user_id"), std::string::npos) << message;
    EXPECT_EQ(error("prompt.record", boost::json::serialize(prompt_args()), host::anonymous_caller()),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(count_rows(db_, "prompts_log"), 3);
}

TEST_F(Prompts, BadInputIsRefusedClearlyAndChangesNothing) {
    record_id(customer(7), prompt_args());
    const std::string before = db_.dump_all_tables();
    const std::string valid = boost::json::serialize(prompt_args());
    auto replaced = [&](std::string_view key, value v) {
        object o = prompt_args();
        o[key] = std::move(v);
        return boost::json::serialize(o);
    };
    auto without = [&](std::string_view key) {
        object o = prompt_args();
        o.erase(key);
        return boost::json::serialize(o);
    };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{", "not valid JSON"},
        {"[1,2]", "JSON object"},
        {"\"text\"", "JSON object"},
        {valid.substr(0, valid.size() - 1) + ",\"note\":\"\xff\xfe\"}", "JSON"}, // invalid UTF-8
        {without("feature"), "'feature'"},
        {without("prompt"), "'prompt'"},
        {without("input_tokens"), "'input_tokens'"},
        {without("latency_ms"), "'latency_ms'"},
        {replaced("feature", 5), "'feature'"},
        {replaced("feature", "Support Chat"), "'feature'"},
        {replaced("feature", "x'; DROP TABLE prompts_log; --"), "'feature'"},
        {replaced("feature", value(std::string(65, 'a'))), "'feature'"},
        {replaced("model", "gpt 4"), "'model'"},
        {replaced("model", array{"gpt"}), "'model'"},
        {replaced("prompt", ""), "'prompt'"},
        {replaced("prompt", 42), "'prompt'"},
        {replaced("response", ""), "'response'"},
        {replaced("response", object{}), "'response'"},
        {replaced("input_tokens", -1), "'input_tokens'"},
        {replaced("output_tokens", 100'000'001), "'output_tokens'"},
        {replaced("input_tokens", 1.5), "'input_tokens'"},
        {replaced("latency_ms", "fast"), "'latency_ms'"},
        {replaced("latency_ms", 86'400'001), "'latency_ms'"},
        {replaced("user_id", 0), "'user_id'"},
        {replaced("user_id", "7"), "'user_id'"},
        {replaced("surprise", true), "unknown argument 'surprise'"},
    };
    for (const auto &[raw, expected] : cases) {
        std::string message;
        EXPECT_EQ(error("prompt.record", raw, customer(7), &message), PLINTH_E_INVALID_ARGUMENT) << raw;
        EXPECT_NE(message.find(expected), std::string::npos) << raw << " -> " << message;
    }
    EXPECT_EQ(error("prompt.forget", "{}", customer(7)), PLINTH_E_UNSUPPORTED);
    EXPECT_EQ(error("prompt.list", R"({"limit":0})", customer(7)), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("prompt.list", R"({"limit":101})", customer(7)), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("prompt.list", R"({"before_id":"x"})", customer(7)), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("prompt.search", R"({"text":"x","sort":"id"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("prompt.search", R"({"from":"2026-02-01","to":"2026-01-01"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("prompt.search", R"({"feature":"Bad Feature"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("stats", R"({"from":"2026-02-30"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("stats", R"({"from":"01/02/2026"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("stats", R"({"from":"2026-01-01","to":"2027-01-02"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(error("stats", R"({"from":"2026-01-02","to":"2026-01-01"})", staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db_.dump_all_tables(), before);
}

class PromptsWithSmallLimits : public Prompts {
protected:
    PromptsWithSmallLimits()
        : Prompts(object{{"prompts", object{{"limits", object{{"prompt_bytes", 100}, {"response_bytes", 50}}}}}}) {}
};

TEST_F(PromptsWithSmallLimits, SizeLimitsAreEnforcedWithClearErrors) {
    record_id(customer(7), with(prompt_args(std::string(100, 'p')), "response", std::string(50, 'r')));
    const std::string before = db_.dump_all_tables();
    std::string message;
    EXPECT_EQ(error("prompt.record", boost::json::serialize(prompt_args(std::string(101, 'p'))), customer(7), &message),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(message, "argument 'prompt' is 101 bytes; the limit is 100 bytes (configuration "
                       "'prompts.limits.prompt_bytes')");
    EXPECT_EQ(error("prompt.record", boost::json::serialize(with(prompt_args(), "response", std::string(51, 'r'))),
                    customer(7), &message),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("prompts.limits.response_bytes"), std::string::npos) << message;
    // Limits count bytes, not characters: 34 three-byte characters are 102 bytes.
    std::string wide;
    for (int i = 0; i < 34; ++i) wide += "語";
    EXPECT_EQ(error("prompt.record", boost::json::serialize(prompt_args(wide)), customer(7)), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(db_.dump_all_tables(), before);
}

TEST(PromptsConfig, AModuleWithAnInvalidConfigurationIsRefusedWithTheReason) {
    test::TestDatabase db("prompts_config");
    CustomHost h(db, {PLINTH_TEST_MODULE_DIR}, {"prompts"},
                 object{{"prompts", object{{"retention", object{{"unlink_days", 400}}}}}});
    EXPECT_EQ(h.host().module("prompts"), nullptr);
    std::string refusal;
    for (const auto &m : h.host().modules())
        if (m.id == "prompts") refusal = m.refusal;
    EXPECT_NE(refusal.find("prompts.retention.delete_days"), std::string::npos) << refusal;
}

TEST_F(Prompts, ListsOwnPromptsNewestFirstInPages) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(record_id(customer(7), prompt_args("prompt " + std::to_string(i))));
    record_id(customer(8), prompt_args("someone else"));

    std::vector<int64_t> seen;
    object args{{"limit", 2}};
    for (int page = 0; page < 10; ++page) {
        value v = host_.call("prompts", "prompt.list", args, customer(7));
        for (const auto &p : v.at("prompts").as_array()) seen.push_back(p.at("id").as_int64());
        if (v.at("next_before_id").is_null()) break;
        args["before_id"] = v.at("next_before_id");
    }
    std::vector<int64_t> expected(ids.rbegin(), ids.rend());
    EXPECT_EQ(seen, expected);
    // Staff may read a user's list by naming them; another customer may not.
    EXPECT_EQ(list(staff(), {{"user_id", 7}}).size(), 5u);
    EXPECT_EQ(error("prompt.list", R"({"user_id":7})", customer(8)), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(error("prompt.list", "{}", host::anonymous_caller()), PLINTH_E_UNAUTHENTICATED);
}

TEST_F(Prompts, StaffSearchFilters) {
    const int64_t a = record_id(customer(7), prompt_args("How to renew a license?", "support-chat", "gpt-4o"));
    const int64_t b = record_id(customer(8), prompt_args("Translate 50%_off! please", "translate", "gpt-4o"));
    host_.advance_s(kDay);
    const int64_t c = record_id(customer(7), prompt_args("Summarise ticket", "support-chat", "claude-3.5-haiku"));

    auto ids = [](const array &prompts) {
        std::vector<int64_t> out;
        for (const auto &p : prompts) out.push_back(p.at("id").as_int64());
        return out;
    };
    EXPECT_EQ(ids(search()), (std::vector<int64_t>{c, b, a}));
    EXPECT_EQ(ids(search({{"user_id", 7}})), (std::vector<int64_t>{c, a}));
    EXPECT_EQ(ids(search({{"feature", "support-chat"}})), (std::vector<int64_t>{c, a}));
    EXPECT_EQ(ids(search({{"model", "gpt-4o"}})), (std::vector<int64_t>{b, a}));
    EXPECT_EQ(ids(search({{"from", "2026-01-02"}})), (std::vector<int64_t>{c}));
    EXPECT_EQ(ids(search({{"to", "2026-01-01"}})), (std::vector<int64_t>{b, a}));
    EXPECT_EQ(ids(search({{"from", "2026-01-01"}, {"to", "2026-01-01"}, {"feature", "support-chat"}})),
              (std::vector<int64_t>{a}));
    EXPECT_EQ(ids(search({{"text", "LICENSE"}})), (std::vector<int64_t>{a})); // case-insensitive
    EXPECT_EQ(ids(search({{"text", "50%_off!"}})), (std::vector<int64_t>{b}));  // wildcards are literal
    EXPECT_EQ(ids(search({{"text", "%"}})), (std::vector<int64_t>{b}));
    EXPECT_EQ(ids(search({{"text", "_off"}})), (std::vector<int64_t>{b}));
    EXPECT_TRUE(search({{"text", "0%o"}}).empty()); // '%' does not match "0%_o"
    EXPECT_EQ(ids(search({{"text", "network admin"}})).size(), 3u); // responses are searched too
    EXPECT_EQ(ids(search({{"limit", 1}, {"before_id", c}})), (std::vector<int64_t>{b}));
    EXPECT_EQ(search({{"user_id", 7}})[0].at("user_id"), 7);

    EXPECT_EQ(error("prompt.search", "{}", customer(7)), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(error("stats", "{}", customer(7)), PLINTH_E_PERMISSION_DENIED);
}

TEST_F(Prompts, AggregatesPerDayFeatureAndModelWithoutUsers) {
    // Day 1, support-chat on gpt-4o: five prompts of four users.
    const int64_t latencies[] = {400, 100, 1000, 300, 200};
    for (int i = 0; i < 5; ++i) {
        object args = prompt_args("q" + std::to_string(i), "support-chat", "gpt-4o", latencies[i]);
        args["input_tokens"] = 10 * (i + 1);
        args["output_tokens"] = 100 + i;
        record_id(customer(7 + i % 4), args);
    }
    record_id(customer(7), prompt_args("other model", "support-chat", "claude-3.5-haiku", 12345));
    host_.advance_s(kDay);
    record_id(customer(8), prompt_args("next day", "support-chat", "gpt-4o", 50));
    record_id(customer(8), prompt_args("translate", "translate", "gpt-4o", 70));

    value all = stats({{"from", "2026-01-01"}, {"to", "2026-01-02"}});
    const array &groups = all.at("groups").as_array();
    ASSERT_EQ(groups.size(), 4u) << all;
    // Ordered by day, feature, model.
    const object &g0 = groups[0].as_object();
    EXPECT_EQ(g0.at("day"), "2026-01-01");
    EXPECT_EQ(g0.at("feature"), "support-chat");
    EXPECT_EQ(g0.at("model"), "claude-3.5-haiku");
    EXPECT_EQ(g0.at("prompts"), 1);
    EXPECT_EQ(g0.at("latency_ms").at("p50"), 12300); // three significant digits
    EXPECT_EQ(g0.at("latency_ms").at("max"), 12345); // exact
    const object &g1 = groups[1].as_object();
    EXPECT_EQ(g1.at("model"), "gpt-4o");
    EXPECT_EQ(g1.at("prompts"), 5);
    EXPECT_EQ(g1.at("input_tokens"), 150);
    EXPECT_EQ(g1.at("output_tokens"), 510);
    EXPECT_EQ(g1.at("latency_ms").at("p50"), 300);
    EXPECT_EQ(g1.at("latency_ms").at("p95"), 1000);
    EXPECT_EQ(g1.at("latency_ms").at("mean"), 400);
    EXPECT_EQ(g1.at("latency_ms").at("max"), 1000);
    EXPECT_EQ(groups[2].at("day"), "2026-01-02");
    EXPECT_EQ(groups[2].at("feature"), "support-chat");
    EXPECT_EQ(groups[3].at("feature"), "translate");
    EXPECT_EQ(all.at("totals").at("prompts"), 8);

    // Nothing in the aggregate view says who asked.
    const std::string text = boost::json::serialize(all);
    EXPECT_EQ(text.find("user"), std::string::npos) << text;
    EXPECT_EQ(text.find("q0"), std::string::npos) << text;
    EXPECT_EQ(count_rows(db_, "prompts_daily"), 4);
    for (const auto &r : db_.sql().query("SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                                         "AND table_name IN ('prompts_daily','prompts_daily_latency')",
                                         {db_.name()}))
        EXPECT_EQ(r.str(0).find("user"), std::string::npos) << r.str(0);

    // Filters.
    EXPECT_EQ(stats({{"from", "2026-01-01"}, {"to", "2026-01-02"}, {"feature", "translate"}}).at("groups").as_array().size(),
              1u);
    EXPECT_EQ(stats({{"from", "2026-01-01"}, {"to", "2026-01-02"}, {"model", "gpt-4o"}}).at("groups").as_array().size(),
              3u);
    EXPECT_EQ(stats({{"from", "2026-01-02"}, {"to", "2026-01-02"}}).at("groups").as_array().size(), 2u);
    // Without dates: the 30 days up to today (host clock).
    value recent = stats({});
    EXPECT_EQ(recent.at("to"), "2026-01-02");
    EXPECT_EQ(recent.at("from"), "2025-12-04");
    EXPECT_EQ(recent.at("groups").as_array().size(), 4u);
}

TEST_F(Prompts, ConcurrentRecordingKeepsAggregatesExact) {
    // Every thread hits the same aggregate rows: the upserts contend, deadlocks are retried, and
    // no prompt may be lost or counted twice.
    constexpr int kThreads = 4, kEach = 25;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                try {
                    object args = prompt_args("thread " + std::to_string(t), "support-chat", "gpt-4o", 100 + i);
                    if (host_.call("prompts", "prompt.record", args, customer(10 + t)).at("stored") != true) ++failures;
                } catch (const std::exception &) {
                    ++failures;
                }
            }
        });
    for (auto &th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count_rows(db_, "prompts_log"), kThreads * kEach);
    value s = stats({{"from", "2026-01-01"}, {"to", "2026-01-01"}});
    ASSERT_EQ(s.at("groups").as_array().size(), 1u);
    const value &g = s.at("groups").at(0);
    EXPECT_EQ(g.at("prompts"), kThreads * kEach);
    EXPECT_EQ(g.at("input_tokens"), 12 * kThreads * kEach);
    EXPECT_EQ(g.at("latency_ms").at("p50"), 112); // 100..124, four times each: rank 50 of 100
    EXPECT_EQ(g.at("latency_ms").at("max"), 124);
    EXPECT_EQ(db_.sql().query("SELECT SUM(prompt_count) FROM prompts_daily_latency").at(0).i64(0), kThreads * kEach);
}

TEST_F(Prompts, RetentionUnlinksThenDeletesWhileAggregatesStay) {
    const int64_t start_us = host_.now_us();
    record_id(customer(7), prompt_args("old prompt of user seven"));
    host_.advance_s(10 * kDay);
    record_id(customer(7), prompt_args("newer prompt of user seven"));
    const value stats_before = stats({{"from", "2026-01-01"}, {"to", "2026-01-31"}});

    // Nothing is due yet.
    auto counts = sweep(host_.host(), start_us + (90 * kDay - 1) * 1000000);
    EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"AI prompts/anonymised", 0}, {"AI prompts/removed", 0}}));
    EXPECT_EQ(list(customer(7)).size(), 2u);

    // Day 90: the first prompt loses its link; the owner can no longer see it, staff see no owner.
    counts = sweep(host_.host(), start_us + 90 * kDay * 1000000);
    EXPECT_EQ(counts["AI prompts/anonymised"], 1);
    EXPECT_EQ(counts["AI prompts/removed"], 0);
    array mine = list(customer(7));
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].at("prompt"), "newer prompt of user seven");
    array all = search();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(all[1].at("user_id").is_null());
    EXPECT_EQ(all[1].at("prompt"), "old prompt of user seven");
    std::vector<ExportItem> items;
    ASSERT_EQ(export_subject(host_.host(), 7, items), PLINTH_OK);
    EXPECT_EQ(items.size(), 1u);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM prompts_log WHERE user_id IS NULL").at(0).i64(0), 1);

    // Idempotent.
    counts = sweep(host_.host(), start_us + 90 * kDay * 1000000);
    EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"AI prompts/anonymised", 0}, {"AI prompts/removed", 0}}));

    // Day 365: the first prompt is deleted; the second (day 10) is unlinked by now but kept.
    counts = sweep(host_.host(), start_us + 365 * kDay * 1000000);
    EXPECT_EQ(counts["AI prompts/removed"], 1);
    EXPECT_EQ(counts["AI prompts/anonymised"], 1);
    EXPECT_EQ(count_rows(db_, "prompts_log"), 1);
    EXPECT_EQ(db_.dump_all_tables().find("old prompt of user seven"), std::string::npos);

    // Day 375: nothing is left, yet the statistics are exactly what they were.
    counts = sweep(host_.host(), start_us + 375 * kDay * 1000000);
    EXPECT_EQ(counts["AI prompts/removed"], 1);
    EXPECT_EQ(count_rows(db_, "prompts_log"), 0);
    EXPECT_EQ(stats({{"from", "2026-01-01"}, {"to", "2026-01-31"}}), stats_before);
}

class PromptsWithShortRetention : public Prompts {
protected:
    PromptsWithShortRetention()
        : Prompts(object{{"prompts", object{{"retention", object{{"unlink_days", 2}, {"delete_days", 5}}}}}}) {}
};

TEST_F(PromptsWithShortRetention, ConfiguredPeriodsApplyAndShowInTheInventory) {
    record_id(customer(7), prompt_args());
    const int64_t t = host_.now_us();
    EXPECT_EQ(sweep(host_.host(), t + (2 * kDay - 1) * 1000000)["AI prompts/anonymised"], 0);
    EXPECT_EQ(sweep(host_.host(), t + 2 * kDay * 1000000)["AI prompts/anonymised"], 1);
    EXPECT_EQ(sweep(host_.host(), t + (5 * kDay - 1) * 1000000)["AI prompts/removed"], 0);
    EXPECT_EQ(sweep(host_.host(), t + 5 * kDay * 1000000)["AI prompts/removed"], 1);

    const auto *inv = host_.host().interface_as<plinth_data_inventory_v1>("prompts", PLINTH_EXT_DATA_INVENTORY);
    std::vector<std::pair<std::string, int64_t>> seen;
    plinth_inventory_sink sink{sizeof sink, &seen, [](void *c, const plinth_data_category *d) -> int32_t {
                                   static_cast<decltype(seen) *>(c)->emplace_back(std::string(sdk::to_view(d->retention)),
                                                                                  d->retention_days);
                                   return 0;
                               }};
    plinth_error e = sdk::make_error();
    ASSERT_EQ(inv->list_categories(host_.host().module("prompts"), &sink, &e), PLINTH_OK);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].second, 5);
    EXPECT_NE(seen[0].first.find("after 2 days"), std::string::npos) << seen[0].first;
}

TEST_F(Prompts, DeclaresTheAIPromptsCategory) {
    const auto *inv = host_.host().interface_as<plinth_data_inventory_v1>("prompts", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    std::vector<std::map<std::string, std::string>> categories;
    plinth_inventory_sink sink{sizeof sink, &categories, [](void *c, const plinth_data_category *d) -> int32_t {
                                   static_cast<decltype(categories) *>(c)->push_back(
                                       {{"name", std::string(sdk::to_view(d->name))},
                                        {"fields", std::string(sdk::to_view(d->fields))},
                                        {"purpose", std::string(sdk::to_view(d->purpose))},
                                        {"legal_basis", std::string(sdk::to_view(d->legal_basis))},
                                        {"retention", std::string(sdk::to_view(d->retention))},
                                        {"retention_days", std::to_string(d->retention_days)}});
                                   return 0;
                               }};
    plinth_error e = sdk::make_error();
    ASSERT_EQ(inv->list_categories(host_.host().module("prompts"), &sink, &e), PLINTH_OK);
    ASSERT_EQ(categories.size(), 1u);
    auto &c = categories[0];
    EXPECT_EQ(c["name"], "AI prompts");
    EXPECT_EQ(c["purpose"], "analysed as a collection to improve the service");
    EXPECT_EQ(c["legal_basis"], "legitimate interest (Art. 6(1)(f))");
    EXPECT_EQ(c["retention_days"], "365");
    EXPECT_NE(c["retention"].find("90 days"), std::string::npos) << c["retention"];
    EXPECT_NE(c["fields"].find("prompt"), std::string::npos);
}

TEST_F(Prompts, ExportsTheSubjectsPrompts) {
    record_id(customer(7), prompt_args("first of seven"));
    record_id(customer(7), prompt_args("second of seven", "translate", "claude-3.5-haiku", 90));
    record_id(customer(8), prompt_args("eight's"));

    std::vector<ExportItem> items;
    ASSERT_EQ(export_subject(host_.host(), 7, items), PLINTH_OK);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].category, "AI prompts");
    EXPECT_EQ(items[0].item.at("prompt"), "first of seven");
    EXPECT_EQ(items[1].item.at("prompt"), "second of seven");
    EXPECT_EQ(items[1].item.at("feature"), "translate");
    EXPECT_EQ(items[1].item.at("model"), "claude-3.5-haiku");
    EXPECT_EQ(items[1].item.at("latency_ms"), 90);
    EXPECT_EQ(items[1].item.at("response"), "Use the network admin.");
    EXPECT_EQ(items[1].item.at("excluded_from_analysis"), false);

    items.clear();
    ASSERT_EQ(export_subject(host_.host(), 0, items), PLINTH_OK); // no account, no prompts
    EXPECT_TRUE(items.empty());
    ASSERT_EQ(export_subject(host_.host(), 99, items), PLINTH_OK);
    EXPECT_TRUE(items.empty());
    EXPECT_EQ(export_subject(host_.host(), 7, items, /*refuse=*/true), PLINTH_E_SINK);
}

// Issue 10 item 8: a receiver that dies in the middle (here: refuses after N items, which rolls
// back the batch being reported) loses nothing. Every outcome is reported inside the transaction
// that deletes the prompt, so the next call reports what the first could not; together they cover
// every prompt (the privacy module keeps one outcome per item).
TEST_F(Prompts, AnErasureInterruptedWhileReportingLosesNoOutcome) {
    for (int i = 0; i < 600; ++i) record_id(customer(7), prompt_args("prompt " + std::to_string(i)));
    std::set<std::string> expected;
    for (const auto &o : erase_subject(host_.host(), 7, true)) expected.insert(o.item);
    ASSERT_EQ(expected.size(), 601u);

    struct Limited {
        std::set<std::string> items;
        size_t left;
    } first{{}, 520};
    const auto *pd = host_.host().interface_as<plinth_personal_data_v1>("prompts", PLINTH_EXT_PERSONAL_DATA);
    plinth_erasure_sink sink{sizeof sink, &first, [](void *c, const plinth_erasure_item *i) -> int32_t {
                                 auto *l = static_cast<Limited *>(c);
                                 if (l->left == 0) return 1; // the receiver is gone
                                 --l->left;
                                 l->items.insert(std::string(sdk::to_view(i->item)));
                                 return 0;
                             }};
    plinth_subject s = subject_of(7);
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(host_.host().module("prompts"), &s, 0, &sink, &e), PLINTH_E_SINK);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM prompts_log WHERE user_id = 7").at(0).i64(0), 100)
        << "the batch being reported when the receiver died was rolled back";

    std::set<std::string> all = first.items;
    for (const auto &o : erase_subject(host_.host(), 7, false)) all.insert(o.item);
    EXPECT_EQ(all, expected);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM prompts_log WHERE user_id = 7").at(0).i64(0), 0);
}

TEST_F(Prompts, ErasesTheSubjectWithPerItemOutcomesAndKeepsOthers) {
    const int64_t a = record_id(customer(7), prompt_args("secret plan of seven"));
    const int64_t b = record_id(customer(7), prompt_args("another secret of seven"));
    record_id(customer(8), prompt_args("eight keeps this"));
    const value stats_before = stats({{"from", "2026-01-01"}, {"to", "2026-01-01"}});

    // Dry run: the outcomes, and nothing changes.
    const std::string before = db_.dump_all_tables();
    auto preview = erase_subject(host_.host(), 7, true);
    ASSERT_EQ(preview.size(), 3u);
    // The aggregates come first: reported with the first prompt, inside its transaction.
    EXPECT_EQ(preview[0].outcome, PLINTH_ERASURE_ANONYMISED);
    EXPECT_EQ(preview[1].item, "prompt " + std::to_string(a));
    EXPECT_EQ(preview[1].outcome, PLINTH_ERASURE_REMOVED);
    EXPECT_EQ(preview[2].item, "prompt " + std::to_string(b));
    for (const auto &o : preview) EXPECT_EQ(o.category, "AI prompts");
    EXPECT_EQ(db_.dump_all_tables(), before);

    auto done = erase_subject(host_.host(), 7, false);
    ASSERT_EQ(done.size(), 3u);
    for (size_t i = 0; i < done.size(); ++i) {
        EXPECT_EQ(done[i].item, preview[i].item);
        EXPECT_EQ(done[i].outcome, preview[i].outcome);
    }
    const std::string after = db_.dump_all_tables();
    EXPECT_EQ(after.find("of seven"), std::string::npos) << after;
    EXPECT_NE(after.find("eight keeps this"), std::string::npos);
    EXPECT_TRUE(list(customer(7)).empty());
    EXPECT_EQ(list(customer(8)).size(), 1u);
    EXPECT_EQ(stats({{"from", "2026-01-01"}, {"to", "2026-01-01"}}), stats_before);

    // Idempotent: nothing left to report.
    EXPECT_TRUE(erase_subject(host_.host(), 7, false).empty());
    EXPECT_TRUE(erase_subject(host_.host(), 0, false).empty());
}

TEST_F(Prompts, AnObjectionAfterRecordingHidesThePromptsFromAnalysis) {
    record_id(customer(7), prompt_args("seven's prompt"));
    record_id(customer(8), prompt_args("eight's prompt"));

    // The privacy module tells its listeners that analysis is no longer allowed for user 7.
    ASSERT_EQ(consent_changed(host_.host(), 7, "ai-prompt-analysis", false), PLINTH_OK);
    array visible = search();
    ASSERT_EQ(visible.size(), 1u);
    EXPECT_EQ(visible[0].at("prompt"), "eight's prompt");
    EXPECT_TRUE(search({{"user_id", 7}}).empty());
    // The subject still sees and exports their own data.
    EXPECT_EQ(list(customer(7)).size(), 1u);
    std::vector<ExportItem> items;
    ASSERT_EQ(export_subject(host_.host(), 7, items), PLINTH_OK);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].item.at("excluded_from_analysis"), true);
    // Idempotent, other purposes ignored, and lifted again by an allow.
    EXPECT_EQ(consent_changed(host_.host(), 7, "ai-prompt-analysis", false), PLINTH_OK);
    EXPECT_EQ(consent_changed(host_.host(), 7, "gravatar", true), PLINTH_OK);
    EXPECT_EQ(search().size(), 1u);
    EXPECT_EQ(consent_changed(host_.host(), 7, "ai-prompt-analysis", true), PLINTH_OK);
    EXPECT_EQ(search().size(), 2u);
}

} // namespace
} // namespace plinth::prompts::testing
