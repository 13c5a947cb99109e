// Personal data and retention of the licenses module through the standard interfaces
// (plinth.personal-data/1, plinth.data-inventory/1, plinth.retention/1), over a real host.
#include "licenses_fixture.hpp"

#include <plinth/ext/data_inventory.h>
#include <plinth/ext/personal_data.h>
#include <plinth/ext/retention.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

TEST_F(LicensesTest, ExportErasureAndRetention) {
    product();
    License l = issue(policy(3, object{{"duration_days", 365}}));
    License other = issue(policy(3), 8);
    activate(l.key, "https://personal-one.example.com");
    call("activation.activate", object{{"license_id", l.id}, {"site", "https://personal-two.example.com"}}, owner);
    activate(other.key, "https://someone-else.example.com");

    const plinth_module *module = host->host().module("licenses");
    const auto *pd = host->host().interface_as<plinth_personal_data_v1>("licenses", PLINTH_EXT_PERSONAL_DATA);
    ASSERT_NE(pd, nullptr);
    plinth_subject subject{sizeof(plinth_subject), 7, nullptr, 0};

    Exported ex;
    plinth_export_sink sink{sizeof(plinth_export_sink), &ex, &Exported::item, nullptr};
    plinth_error e = sdk::make_error();
    ASSERT_EQ(pd->export_subject(module, &subject, &sink, &e), PLINTH_OK) << e.message;
    ASSERT_EQ(ex.count("license"), 1u);
    EXPECT_EQ(ex.count("license activation"), 2u);
    EXPECT_GE(ex.count("license audit"), 3u);
    for (const auto &[category, v] : ex.items) {
        if (category == "license") {
            EXPECT_EQ(str(v, "key"), l.key);
        }
        std::string text = boost::json::serialize(v);
        EXPECT_EQ(text.find("someone-else"), std::string::npos) << "another person's data in the export";
    }

    // Dry run: outcomes reported, nothing changed.
    std::string before = db.dump_all_tables();
    Erased dry;
    plinth_erasure_sink esink{sizeof(plinth_erasure_sink), &dry, &Erased::item};
    ASSERT_EQ(pd->erase_subject(module, &subject, 1, &esink, &e), PLINTH_OK) << e.message;
    EXPECT_EQ(db.dump_all_tables(), before);
    ASSERT_FALSE(dry.items.empty());

    Erased real;
    esink.context = &real;
    ASSERT_EQ(pd->erase_subject(module, &subject, 0, &esink, &e), PLINTH_OK) << e.message;
    ASSERT_EQ(real.items.size(), dry.items.size());
    int retained = 0, removed = 0;
    int64_t expires = host->now_us() / 1000000 + 365 * 86400;
    for (const auto &i : real.items) {
        if (i.category == "license") {
            ++retained;
            EXPECT_EQ(i.outcome, PLINTH_ERASURE_RETAINED);
            EXPECT_EQ(i.legal_basis, "contract (Art. 6(1)(b))");
            EXPECT_EQ(i.until, expires + 10LL * 365 * 86400);
            EXPECT_EQ(i.item, "license " + std::to_string(l.id));
        }
        if (i.category == "license activation") {
            ++removed;
            EXPECT_EQ(i.outcome, PLINTH_ERASURE_REMOVED);
        }
    }
    EXPECT_EQ(retained, 1);
    EXPECT_EQ(removed, 2);
    std::string dump = db.dump_all_tables();
    EXPECT_EQ(dump.find("personal-one"), std::string::npos);
    EXPECT_EQ(dump.find("personal-two"), std::string::npos);
    EXPECT_NE(dump.find("someone-else"), std::string::npos) << "other people's data must stay";
    EXPECT_TRUE(db.sql().query("SELECT user_id FROM licenses WHERE id = ?", {l.id}).front().is_null(0));
    expect_summary_matches(l.id);
    expect_summary_matches(other.id);
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_audit WHERE actor_user_id = ?", 7), 0);
    EXPECT_EQ(code(l.key, "https://personal-one.example.com"), "REVOKED");
    EXPECT_EQ(call("license.list", object{}, owner).as_array().size(), 0u);

    // Idempotent: nothing left to report.
    Erased twice;
    esink.context = &twice;
    ASSERT_EQ(pd->erase_subject(module, &subject, 0, &esink, &e), PLINTH_OK);
    EXPECT_TRUE(twice.items.empty());
    Exported after;
    sink.context = &after;
    ASSERT_EQ(pd->export_subject(module, &subject, &sink, &e), PLINTH_OK);
    EXPECT_TRUE(after.items.empty());

    // Retention: audit entries age out; the retained record goes when its period ends.
    const auto *ret = host->host().interface_as<plinth_retention_v1>("licenses", PLINTH_EXT_RETENTION);
    ASSERT_NE(ret, nullptr);
    std::map<std::string, int64_t> counts;
    plinth_retention_sink rsink{sizeof(plinth_retention_sink), &counts,
                                [](void *c, const plinth_retention_count *r) -> int32_t {
                                    (*static_cast<std::map<std::string, int64_t> *>(c))[std::string(
                                        sdk::to_view(r->category))] += r->count;
                                    return 0;
                                }};
    ASSERT_EQ(ret->sweep(module, host->now_us(), &rsink, &e), PLINTH_OK) << e.message;
    EXPECT_EQ(counts["license audit"], 0);
    EXPECT_EQ(counts["license"], 0);
    host->advance_s(731LL * 86400);
    counts.clear();
    ASSERT_EQ(ret->sweep(module, host->now_us(), &rsink, &e), PLINTH_OK);
    EXPECT_GT(counts["license audit"], 0);
    EXPECT_EQ(counts["license"], 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM licenses WHERE id = ?", l.id), 1);
    host->advance_s(11LL * 365 * 86400);
    counts.clear();
    ASSERT_EQ(ret->sweep(module, host->now_us(), &rsink, &e), PLINTH_OK);
    EXPECT_EQ(counts["license"], 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM licenses WHERE id = ?", l.id), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM licenses WHERE id = ?", other.id), 1);
    EXPECT_EQ(code(l.key, "https://personal-one.example.com"), "NOT_FOUND");
}

TEST_F(LicensesTest, DataInventoryDeclaresWhatIsKept) {
    const auto *inv = host->host().interface_as<plinth_data_inventory_v1>("licenses", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    std::vector<std::string> names;
    plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &names,
                               [](void *c, const plinth_data_category *d) -> int32_t {
                                   EXPECT_FALSE(sdk::to_view(d->purpose).empty());
                                   EXPECT_FALSE(sdk::to_view(d->legal_basis).empty());
                                   static_cast<std::vector<std::string> *>(c)->emplace_back(sdk::to_view(d->name));
                                   return 0;
                               }};
    ASSERT_EQ(inv->list_categories(host->host().module("licenses"), &sink, nullptr), PLINTH_OK);
    EXPECT_EQ(names, (std::vector<std::string>{"license", "license activation", "license audit"}));
}

} // namespace
} // namespace plinth::licenses
