// The C newsletter (plugins/example_c) through a real host: plinth.db/1 used from C99 for
// commands, inventory, export, erasure and retention, with bad input changing nothing.
#include "support/test_host.hpp"

#include <plinth/sdk/host.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace plinth;

class ExampleC : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = std::make_unique<test::TestDatabase>("example_c");
        host_ = std::make_unique<test::TestHost>(*db_, std::vector<std::string>{"example_c"},
                                                 boost::json::object{{"example_c", {{"retention_days", 30}}}});
        ASSERT_NE(host_->host().module("example_c"), nullptr);
    }
    boost::json::value call(std::string_view command, const boost::json::value &args,
                            const plinth_call_context &caller = host::system_caller()) {
        return host_->call("example_c", command, args, caller);
    }
    int64_t rows() { return db_->sql().query("SELECT COUNT(*) FROM example_c_subscribers").at(0).i64(0); }
    const plinth_module *module() { return host_->host().module("example_c"); }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<test::TestHost> host_;
};

TEST_F(ExampleC, SubscribesListsAndUnsubscribesThroughTheHostDatabase) {
    auto anonymous = host::anonymous_caller();
    EXPECT_EQ(call("subscribe", {{"email", "ann@example.com"}}, anonymous).at("subscribed").as_bool(), true);
    call("subscribe", {{"email", "ann@example.com"}}, anonymous); // idempotent
    call("subscribe", {{"email", "bob@example.com"}}, anonymous);
    auto list = call("subscribers", boost::json::object{}).at("subscribers").as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("email").as_string(), "ann@example.com");
    EXPECT_EQ(list[0].at("subscribed_at").as_int64(), host_->now_us() / 1000000);
    EXPECT_EQ(call("unsubscribe", {{"email", "ann@example.com"}}, anonymous).at("removed").as_int64(), 1);
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(call("add", {{"a", 20}, {"b", 22}}).at("sum").as_int64(), 42);
}

TEST_F(ExampleC, BadInputGetsAClearErrorAndChangesNothing) {
    call("subscribe", {{"email", "ann@example.com"}});
    for (const char *args : {"{\"email\":\"no-at-sign\"}", "{\"email\":42}", "{}", "[1]", "not json",
                             "{\"email\":\"a b@example.com\"}", "{\"email\":\"x@\xff\"}",
                             "{\"email\":\"x@y.z\",\"email\":\"q@r.s\"}"}) {
        std::string message;
        EXPECT_EQ(host_->call_error("example_c", "subscribe", args, host::system_caller(), &message),
                  PLINTH_E_INVALID_ARGUMENT)
            << args << ": " << message;
    }
    // An address by this module's rule, full of SQL: stored as text, never run.
    const std::string injection = "x');DROP/**/TABLE/**/example_c_subscribers;--@e.com";
    call("subscribe", {{"email", injection}});
    EXPECT_EQ(call("unsubscribe", {{"email", injection}}).at("removed").as_int64(), 1);
    EXPECT_EQ(host_->call_error("example_c", "subscribers", "{}", host::user_caller(5, PLINTH_ROLE_CUSTOMER)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(host_->call_error("example_c", "nope", "{}", host::system_caller()), PLINTH_E_UNSUPPORTED);
    EXPECT_EQ(db_->sql().query("SELECT COUNT(*) FROM example_c_subscribers WHERE email = ?", {"ann@example.com"}).at(0).i64(0), 1);
}

TEST_F(ExampleC, JoinsInventoryExportErasureAndRetention) {
    call("subscribe", {{"email", "ann@example.com"}});
    call("subscribe", {{"email", "old@example.com"}});
    call("subscribe", {{"email", "bob@example.com"}});

    auto *inventory = static_cast<const plinth_data_inventory_v1 *>(
        module()->get_interface(module(), PLINTH_EXT_DATA_INVENTORY));
    ASSERT_NE(inventory, nullptr);
    std::vector<std::string> categories;
    plinth_inventory_sink isink{sizeof isink, &categories, [](void *ctx, const plinth_data_category *c) -> int32_t {
                                    static_cast<std::vector<std::string> *>(ctx)->emplace_back(c->name.data, c->name.size);
                                    EXPECT_EQ(c->retention_days, 30);
                                    return 0;
                                }};
    plinth_error error = sdk::make_error();
    ASSERT_EQ(inventory->list_categories(module(), &isink, &error), PLINTH_OK);
    EXPECT_EQ(categories, std::vector<std::string>{"newsletter"});

    auto *personal = static_cast<const plinth_personal_data_v1 *>(module()->get_interface(module(), PLINTH_EXT_PERSONAL_DATA));
    ASSERT_NE(personal, nullptr);
    const plinth_str emails[] = {{"ann@example.com", 15}, {"old@example.com", 15}};
    plinth_subject subject{sizeof subject, 0, emails, 2};
    std::vector<std::string> exported;
    plinth_export_sink esink{sizeof esink, &exported,
                             [](void *ctx, plinth_str, plinth_str json) -> int32_t {
                                 static_cast<std::vector<std::string> *>(ctx)->emplace_back(json.data, json.size);
                                 return 0;
                             },
                             nullptr};
    ASSERT_EQ(personal->export_subject(module(), &subject, &esink, &error), PLINTH_OK) << error.message;
    ASSERT_EQ(exported.size(), 2u);
    EXPECT_NE(exported[0].find("ann@example.com"), std::string::npos);

    std::vector<std::string> outcomes;
    plinth_erasure_sink rsink{sizeof rsink, &outcomes, [](void *ctx, const plinth_erasure_item *item) -> int32_t {
                                  EXPECT_EQ(item->outcome, PLINTH_ERASURE_REMOVED);
                                  static_cast<std::vector<std::string> *>(ctx)->emplace_back(item->item.data, item->item.size);
                                  return 0;
                              }};
    ASSERT_EQ(personal->erase_subject(module(), &subject, 1, &rsink, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(rows(), 3) << "a dry run changes nothing";
    // A sink that refuses rolls the erasure back.
    plinth_erasure_sink refusing{sizeof refusing, nullptr, [](void *, const plinth_erasure_item *) -> int32_t { return 1; }};
    EXPECT_EQ(personal->erase_subject(module(), &subject, 0, &refusing, &error), PLINTH_E_SINK);
    EXPECT_EQ(rows(), 3);
    outcomes.clear();
    ASSERT_EQ(personal->erase_subject(module(), &subject, 0, &rsink, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(outcomes.size(), 2u);
    for (const auto &o : outcomes) EXPECT_EQ(o.find('@'), std::string::npos) << "item references identify nobody";
    EXPECT_EQ(rows(), 1);
    outcomes.clear();
    ASSERT_EQ(personal->erase_subject(module(), &subject, 0, &rsink, &error), PLINTH_OK);
    EXPECT_TRUE(outcomes.empty()) << "idempotent";

    auto *retention = static_cast<const plinth_retention_v1 *>(module()->get_interface(module(), PLINTH_EXT_RETENTION));
    ASSERT_NE(retention, nullptr);
    int64_t removed = -1;
    plinth_retention_sink csink{sizeof csink, &removed, [](void *ctx, const plinth_retention_count *c) -> int32_t {
                                    *static_cast<int64_t *>(ctx) = c->count;
                                    return 0;
                                }};
    ASSERT_EQ(retention->sweep(module(), host_->now_us() + 29LL * 86400 * 1000000, &csink, &error), PLINTH_OK);
    EXPECT_EQ(removed, 0);
    ASSERT_EQ(retention->sweep(module(), host_->now_us() + 31LL * 86400 * 1000000, &csink, &error), PLINTH_OK);
    EXPECT_EQ(removed, 1);
    EXPECT_EQ(rows(), 0);
}

TEST(ExampleCConfig, AnInvalidRetentionSettingRefusesTheModule) {
    test::TestDatabase db("example_c_config");
    host::HostOptions o;
    o.module_paths.push_back(std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_example_c.so");
    o.config = {{"database", db.config()}, {"example_c", {{"retention_days", "soon"}}}};
    o.state_dir = std::string(PLINTH_TEST_STATE_DIR) + "/example_c_config";
    host::Host h(std::move(o));
    h.load();
    EXPECT_EQ(h.module("example_c"), nullptr);
    ASSERT_EQ(h.modules().size(), 1u);
    EXPECT_NE(h.modules()[0].refusal.find("retention_days"), std::string::npos) << h.modules()[0].refusal;
}

} // namespace
