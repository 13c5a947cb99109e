// The SDK's support library: hex and base64 (plinth/sdk/encoding.hpp) and calendar dates
// (plinth/sdk/dates.hpp), the one implementation every module uses.
#include <plinth/sdk/config.hpp>
#include <plinth/sdk/dates.hpp>
#include <plinth/sdk/encoding.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace enc = plinth::sdk::encoding;
namespace dates = plinth::sdk::dates;
using enc::Base64;

namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

} // namespace

TEST(Hex, EncodesLowercaseTwoDigitsAByte) {
    EXPECT_EQ(enc::to_hex(std::vector<uint8_t>{}), "");
    EXPECT_EQ(enc::to_hex(std::vector<uint8_t>{0x00, 0x0f, 0xa5, 0xff}), "000fa5ff");
    EXPECT_EQ(enc::to_hex(std::string_view("\x01\xfe", 2)), "01fe");
}

TEST(Hex, DecodesEitherCaseAndRefusesAnythingElse) {
    EXPECT_EQ(enc::from_hex("000fA5Ff"), (std::vector<uint8_t>{0x00, 0x0f, 0xa5, 0xff}));
    EXPECT_EQ(enc::from_hex(""), std::vector<uint8_t>{});
    for (std::string_view bad : {"0", "abc", "0g", " 00", "00 ", "0x00", "+0"}) EXPECT_FALSE(enc::from_hex(bad)) << bad;
}

TEST(Hex, EveryByteRoundTrips) {
    std::vector<uint8_t> all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
    EXPECT_EQ(enc::from_hex(enc::to_hex(all)), all);
}

// RFC 4648, section 10.
TEST(Base64, StandardMatchesTheRfcTestVectors) {
    const std::pair<const char *, const char *> vectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                             {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                             {"foobar", "Zm9vYmFy"}};
    for (const auto &[plain, encoded] : vectors) {
        EXPECT_EQ(enc::to_base64(std::string_view(plain)), encoded) << plain;
        EXPECT_EQ(enc::from_base64(encoded), bytes(plain)) << encoded;
    }
}

TEST(Base64, UrlVariantUsesDashAndUnderscoreWithoutPadding) {
    const std::vector<uint8_t> data{0xfb, 0xff, 0xbf};
    EXPECT_EQ(enc::to_base64(data), "+/+/");
    EXPECT_EQ(enc::to_base64(data, Base64::url), "-_-_");
    EXPECT_EQ(enc::to_base64(std::string_view("f"), Base64::url), "Zg");
    EXPECT_EQ(enc::from_base64("-_-_", Base64::url), data);
    EXPECT_EQ(enc::from_base64("Zm8", Base64::url), bytes("fo"));
}

TEST(Base64, DecodingIsStrictSoEachValueHasOneSpelling) {
    for (std::string_view bad : {"Zg", "Zg=", "Zg===", "Z===", "Zm9v ", " Zm9v", "Zm9\nv", "Zm9v=", "-_-_", "Zh==", "Zm9=",
                                 "====", "Zg==Zg=="})
        EXPECT_FALSE(enc::from_base64(bad)) << bad;
    for (std::string_view bad : {"Zg==", "+/+/", "Z", "Zh", "Zm9"}) EXPECT_FALSE(enc::from_base64(bad, Base64::url)) << bad;
}

TEST(Base64, EveryLengthAndByteRoundTripsInBothVariants) {
    std::vector<uint8_t> data;
    for (int n = 0; n < 300; ++n) {
        for (Base64 variant : {Base64::standard, Base64::url})
            ASSERT_EQ(enc::from_base64(enc::to_base64(data, variant), variant), data) << n;
        data.push_back(static_cast<uint8_t>(n * 37 + 11));
    }
}

TEST(Dates, DaysAreWholeUtcDaysSinceTheEpochByFloorDivision) {
    EXPECT_EQ(dates::day_of(0), 0);
    EXPECT_EQ(dates::day_of(86399), 0);
    EXPECT_EQ(dates::day_of(86400), 1);
    EXPECT_EQ(dates::day_of(-1), -1);
    EXPECT_EQ(dates::day_of(-86400), -1);
    EXPECT_EQ(dates::day_of(-86401), -2);
}

TEST(Dates, FormatsKnownMoments) {
    EXPECT_EQ(dates::format_day(0), "1970-01-01");
    EXPECT_EQ(dates::format_day(-1), "1969-12-31");
    EXPECT_EQ(dates::format_utc(951782400), "2000-02-29T00:00:00Z");  // a leap day of a century year
    EXPECT_EQ(dates::format_utc(1769860800), "2026-01-31T12:00:00Z");
    EXPECT_EQ(dates::format_utc(-1), "1969-12-31T23:59:59Z");
    EXPECT_EQ(dates::format_date(1769860800), "2026-01-31");
    const dates::Civil c = dates::civil(1769862345);
    EXPECT_EQ(c.year, 2026);
    EXPECT_EQ(c.month, 1u);
    EXPECT_EQ(c.day, 31u);
    EXPECT_EQ(c.hour, 12u);
    EXPECT_EQ(c.minute, 25u);
    EXPECT_EQ(c.second, 45u);
}

TEST(Dates, ParsesOnlyRealCalendarDatesFrom1970) {
    EXPECT_EQ(dates::parse_day("1970-01-01"), 0);
    EXPECT_EQ(dates::parse_day("2000-02-29"), 11016);
    EXPECT_EQ(dates::parse_day("9999-12-31"), 2932896);
    for (std::string_view bad : {"1969-12-31", "2001-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
                                 "2026-1-01", "2026-01-1", "2026/01/01", "2026-01-01T", " 2026-01-01", "", "abcd-ef-gh"})
        EXPECT_FALSE(dates::parse_day(bad)) << bad;
}

TEST(Dates, EveryDayRoundTripsThroughItsText) {
    for (int64_t day = 0; day < 366 * 60; day += 7) ASSERT_EQ(dates::parse_day(dates::format_day(day)), day);
}

TEST(Dates, AddingMonthsKeepsTheTimeAndClampsToTheMonthsLastDay) {
    const int64_t jan31_noon = 1769860800; // 2026-01-31T12:00:00Z
    EXPECT_EQ(dates::format_utc(dates::add_months(jan31_noon, 1)), "2026-02-28T12:00:00Z");
    EXPECT_EQ(dates::format_utc(dates::add_months(951782400 - 29 * 86400, 1)), "2000-02-29T00:00:00Z"); // Jan 31 2000
    EXPECT_EQ(dates::format_utc(dates::add_months(jan31_noon, 3)), "2026-04-30T12:00:00Z");
    EXPECT_EQ(dates::format_utc(dates::add_months(jan31_noon, 11)), "2026-12-31T12:00:00Z");
    EXPECT_EQ(dates::format_utc(dates::add_months(jan31_noon, 12)), "2027-01-31T12:00:00Z");
    EXPECT_EQ(dates::format_utc(dates::add_months(jan31_noon, -2)), "2025-11-30T12:00:00Z");
    EXPECT_EQ(dates::add_months(jan31_noon, 0), jan31_noon);
}

namespace {

// The status and message of a configuration read (PLINTH_OK and "" when it succeeds).
template <class F>
std::pair<int32_t, std::string> outcome(F &&read) {
    try {
        read();
        return {PLINTH_OK, ""};
    } catch (const plinth::sdk::Error &e) {
        return {e.status(), e.what()};
    }
}

boost::json::object parsed(std::string_view text) { return boost::json::parse(text).as_object(); }

} // namespace

TEST(Config, ReadsKnownKeysWithFallbacks) {
    using plinth::sdk::Config;
    const boost::json::object config = parsed(R"({"database":{"socket":"s"},"state_dir":"/x",
        "retention":{"days":7,"strict":true},"name":"n","empty":null})");
    const Config root = Config::module("demo", config, {"retention", "name", "empty", "limits"});
    const Config retention = root.section("retention", {"days", "strict", "absent"});
    EXPECT_EQ(retention.integer("days", 30, 1, 100), 7);
    EXPECT_EQ(retention.integer("absent", 30, 1, 100), 30);
    EXPECT_TRUE(retention.boolean("strict", false));
    EXPECT_EQ(root.string("name", 10), "n");
    EXPECT_EQ(root.string("empty", 10), std::nullopt);
    const Config limits = root.section("limits", {"bytes"}); // absent: every read falls back
    EXPECT_FALSE(limits.present());
    EXPECT_EQ(limits.integer("bytes", 5, 1, 10), 5);
    EXPECT_EQ(limits.path(), "demo.limits");
}

TEST(Config, RefusesUnknownKeysWrongTypesAndRangesNamingTheKey) {
    using plinth::sdk::Config;
    const std::pair<const char *, const char *> cases[] = {
        {R"({"retension":{}})", "unknown configuration key 'demo.retension'"},
        {R"({"retention":{"dayz":1}})", "unknown configuration key 'demo.retention.dayz'"},
        {R"({"retention":[]})", "configuration 'demo.retention' must be an object"},
        {R"({"retention":{"days":"7"}})", "configuration 'demo.retention.days' must be an integer"},
        {R"({"retention":{"days":1.5}})", "configuration 'demo.retention.days' must be an integer"},
        {R"({"retention":{"days":0}})", "configuration 'demo.retention.days' must be between 1 and 100"},
        {R"({"retention":{"days":18446744073709551615}})", "configuration 'demo.retention.days' must be an integer"},
        {R"({"retention":{"strict":1}})", "configuration 'demo.retention.strict' must be true or false"},
    };
    for (const auto &[text, message] : cases) {
        const boost::json::object config = parsed(text);
        auto [status, got] = outcome([&] {
            const Config retention = Config::module("demo", config, {"retention"}).section("retention", {"days", "strict"});
            retention.integer("days", 30, 1, 100);
            retention.boolean("strict", false);
        });
        EXPECT_EQ(status, PLINTH_E_INVALID_ARGUMENT) << text;
        EXPECT_EQ(got, message) << text;
    }
}

TEST(Config, ReadingAnUndeclaredKeyIsAProgrammingError) {
    using plinth::sdk::Config;
    const boost::json::object config = parsed(R"({"a":1})");
    auto [status, message] = outcome([&] { Config::module("demo", config, {"a"}).integer("b", 0, 0, 1); });
    EXPECT_EQ(status, PLINTH_E_INTERNAL);
    EXPECT_EQ(message, "configuration key 'demo.b' is read but not declared");
}
