// Pure rules of the prompts module, without a database.
#include "domain/calendar.hpp"
#include "domain/latency.hpp"
#include "domain/prompt.hpp"
#include "domain/settings.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace plinth::prompts {
namespace {

int32_t status_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return e.status();
    }
    return PLINTH_OK;
}

TEST(Calendar, DaysAroundTheEpochAndLeapYears) {
    EXPECT_EQ(day_of(0), 0);
    EXPECT_EQ(day_of(86399), 0);
    EXPECT_EQ(day_of(86400), 1);
    EXPECT_EQ(day_of(-1), -1);
    EXPECT_EQ(format_day(0), "1970-01-01");
    EXPECT_EQ(format_day(day_of(1767225600)), "2026-01-01");
    EXPECT_EQ(parse_day("2026-01-01"), day_of(1767225600));
    EXPECT_EQ(format_day(*parse_day("2024-02-29")), "2024-02-29");
    EXPECT_EQ(*parse_day("2024-03-01") - *parse_day("2024-02-28"), 2);
    EXPECT_EQ(*parse_day("2100-03-01") - *parse_day("2100-02-28"), 1); // 2100 is not a leap year
    EXPECT_EQ(*parse_day("2000-03-01") - *parse_day("2000-02-28"), 2); // 2000 is
}

TEST(Calendar, RoundTripsEveryDayOfFourCenturies) {
    for (int64_t day = 0; day < 146097 * 1 + 365 * 30; day += 1) {
        auto back = parse_day(format_day(day));
        ASSERT_TRUE(back) << format_day(day);
        ASSERT_EQ(*back, day);
    }
}

TEST(Calendar, RefusesAnythingButARealDate) {
    for (const char *bad : {"", "2026-1-01", "2026-01-1", "2026/01/01", "2026-13-01", "2026-00-10", "2026-02-29",
                            "2023-04-31", "1969-12-31", "20260101", "2026-01-01T00:00:00", " 2026-01-01",
                            "２０２６-01-01", "2026-01-0a", "-026-01-01"})
        EXPECT_FALSE(parse_day(bad)) << bad;
}

TEST(Latency, BucketsKeepThreeSignificantDigits) {
    EXPECT_EQ(latency_bucket(0), 0);
    EXPECT_EQ(latency_bucket(7), 7);
    EXPECT_EQ(latency_bucket(999), 999);
    EXPECT_EQ(latency_bucket(1000), 1000);
    EXPECT_EQ(latency_bucket(1009), 1000);
    EXPECT_EQ(latency_bucket(1019), 1010);
    EXPECT_EQ(latency_bucket(12345), 12300);
    EXPECT_EQ(latency_bucket(86'400'000), 86'400'000);
    EXPECT_EQ(latency_bucket(86'399'999), 86'300'000);
    // At most 1% low: the bucket's error bound that the docs promise.
    for (int64_t v = 1000; v < 2'000'000; v += 7) {
        const int64_t b = latency_bucket(v);
        ASSERT_LE(b, v);
        ASSERT_GT(b * 100, v * 99) << v;
    }
}

TEST(Latency, NearestRankPercentiles) {
    std::vector<LatencyBucket> five{{100, 1}, {200, 1}, {300, 1}, {400, 1}, {1000, 1}};
    EXPECT_EQ(percentile(five, 50), 300);  // rank ceil(2.5) = 3
    EXPECT_EQ(percentile(five, 95), 1000); // rank ceil(4.75) = 5
    EXPECT_EQ(percentile(five, 100), 1000);
    EXPECT_EQ(percentile(five, 1), 100);

    std::vector<LatencyBucket> two{{10, 1}, {20, 1}};
    EXPECT_EQ(percentile(two, 50), 10);
    EXPECT_EQ(percentile(two, 51), 20);

    std::vector<LatencyBucket> counted{{50, 90}, {70, 5}, {900, 5}};
    EXPECT_EQ(percentile(counted, 50), 50);
    EXPECT_EQ(percentile(counted, 90), 50);
    EXPECT_EQ(percentile(counted, 95), 70);
    EXPECT_EQ(percentile(counted, 96), 900);

    EXPECT_EQ(percentile(std::vector<LatencyBucket>{}, 50), 0);
    std::vector<LatencyBucket> one{{42, 1}};
    EXPECT_EQ(percentile(one, 50), 42);
    EXPECT_EQ(percentile(one, 95), 42);
}

TEST(Settings, DefaultsAndOverrides) {
    Settings d = Settings::from_json({});
    EXPECT_EQ(d.retention.unlink_days, 90);
    EXPECT_EQ(d.retention.delete_days, 365);
    EXPECT_EQ(d.limits.prompt_bytes, 32768);
    EXPECT_EQ(d.limits.response_bytes, 65536);

    auto config = boost::json::parse(R"({"database":{"socket":"x"},"retention":{"unlink_days":7,"delete_days":7},
                                         "limits":{"prompt_bytes":10,"response_bytes":20}})");
    Settings s = Settings::from_json(config.as_object());
    EXPECT_EQ(s.retention.unlink_days, 7);
    EXPECT_EQ(s.retention.delete_days, 7);
    EXPECT_EQ(s.limits.prompt_bytes, 10);
    EXPECT_EQ(s.limits.response_bytes, 20);
}

TEST(Settings, RefusesWhatCouldSilentlyKeepDataLonger) {
    for (const char *bad : {
             R"({"retention":{"unlink_days":400}})",                    // unlink after delete
             R"({"retention":{"unlink_days":30,"delete_days":10}})",
             R"({"retention":{"unlink_dayz":30}})",                    // typo
             R"({"retention":{"unlink_days":"30"}})",
             R"({"retention":{"unlink_days":0}})",
             R"({"retention":{"delete_days":-1}})",
             R"({"retention":{"delete_days":1.5}})",
             R"({"retention":[]})",
             R"({"limits":{"prompt_bytes":0}})",
             R"({"limits":{"prompt_bytes":99999999}})",
             R"({"limits":{"bytes":1}})",
             R"({"retension":{"unlink_days":30}})",                   // typo of a section
         }) {
        std::string message;
        try {
            Settings::from_json(boost::json::parse(bad).as_object());
            ADD_FAILURE() << bad << " was accepted";
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT) << bad;
            EXPECT_NE(std::string(e.what()).find("prompts."), std::string::npos) << e.what();
        }
    }
}

TEST(Settings, CutoffsMarkWhenAStageIsDue) {
    RetentionPolicy p{90, 365};
    const int64_t created = 1767225600;
    // Due once the prompt's age reaches the period: created_at <= cutoff.
    EXPECT_GT(created, p.unlink_cutoff(created + 90 * 86400 - 1));
    EXPECT_LE(created, p.unlink_cutoff(created + 90 * 86400));
    EXPECT_GT(created, p.delete_cutoff(created + 365 * 86400 - 1));
    EXPECT_LE(created, p.delete_cutoff(created + 365 * 86400));
}

TEST(Rules, FeatureNamesAreSlugs) {
    for (std::string ok : {std::string("a"), std::string("support-chat"), std::string("docs.search"),
                           std::string("x_1"), std::string("0day"), std::string(64, 'f')})
        EXPECT_EQ(status_of([&] { check_feature(ok); }), PLINTH_OK) << ok;
    for (std::string bad : {std::string(), std::string(65, 'f'), std::string("Support"), std::string("-x"),
                            std::string("a b"), std::string("a'b"), std::string("é"), std::string("a\0b", 3),
                            std::string("x;DROP TABLE prompts_log")})
        EXPECT_EQ(status_of([&] { check_feature(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;
}

TEST(Rules, ModelNamesAsVendorsSpellThem) {
    for (const char *ok : {"gpt-4o-mini", "meta-llama/Llama-3-70b", "claude-3.5-sonnet@20241022", "mistral:7b+q4"})
        EXPECT_EQ(status_of([&] { check_model(ok); }), PLINTH_OK) << ok;
    for (std::string bad : {std::string(), std::string(129, 'm'), std::string("gpt 4"), std::string("m'--"),
                            std::string("m\n"), std::string("modèle")})
        EXPECT_EQ(status_of([&] { check_model(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;
}

TEST(Rules, TextSizeLimitNamesTheKey) {
    EXPECT_EQ(status_of([] { check_text_size("prompt", 100, 100, "prompts.limits.prompt_bytes"); }), PLINTH_OK);
    try {
        check_text_size("prompt", 101, 100, "prompts.limits.prompt_bytes");
        FAIL();
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_LIMIT_EXCEEDED);
        EXPECT_STREQ(e.what(), "argument 'prompt' is 101 bytes; the limit is 100 bytes (configuration "
                               "'prompts.limits.prompt_bytes')");
    }
}

TEST(Rules, WhoseDataACallerMayTouch) {
    const Actor user{false, false, 7}, staff{false, true, 9}, system{true, true, 0};
    EXPECT_EQ(resolve_owner(user, std::nullopt), 7);
    EXPECT_EQ(resolve_owner(user, 7), 7);
    EXPECT_EQ(status_of([&] { resolve_owner(user, 8); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(resolve_owner(staff, std::nullopt), 9);
    EXPECT_EQ(resolve_owner(staff, 8), 8);
    EXPECT_EQ(resolve_owner(system, 8), 8);
    EXPECT_EQ(status_of([&] { resolve_owner(system, std::nullopt); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { resolve_owner(system, 0); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { resolve_owner(Actor{}, std::nullopt); }), PLINTH_E_UNAUTHENTICATED);
}

TEST(Rules, SearchPatternsMatchWildcardsLiterally) {
    EXPECT_EQ(contains_pattern("abc"), "%abc%");
    EXPECT_EQ(contains_pattern("50%_off!"), "%50!%!_off!!%");
    EXPECT_EQ(contains_pattern(""), "%%");
}

} // namespace
} // namespace plinth::prompts
