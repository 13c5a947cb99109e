// plinth/sdk/dates.hpp — calendar dates from Unix seconds, through <chrono>.
//
// Times are Unix seconds (UTC) everywhere in Plinth. These helpers turn them into calendar dates
// and back with the C++20 calendar types (std::chrono::year_month_day, sys_days), never through
// the process time zone or the C library (gmtime, timegm), so the output is the same on every
// machine and every thread. A "day" is the number of whole days since 1970-01-01 (UTC), floor
// division, so times before 1970 land on the right day too.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::sdk::dates {

inline constexpr int64_t kSecondsPerDay = 86400;

// A moment as a calendar shows it, in UTC.
struct Civil {
    int64_t year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
    unsigned hour = 0;   // 0..23
    unsigned minute = 0; // 0..59
    unsigned second = 0; // 0..59
};

// The UTC day containing `unix_seconds`.
inline int64_t day_of(int64_t unix_seconds) {
    using namespace std::chrono;
    return floor<days>(sys_seconds{seconds{unix_seconds}}).time_since_epoch().count();
}

inline Civil civil(int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds t{seconds{unix_seconds}};
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> time{t - day};
    return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                 static_cast<unsigned>(time.hours().count()), static_cast<unsigned>(time.minutes().count()),
                 static_cast<unsigned>(time.seconds().count())};
}

// "2026-01-31" for a day number.
inline std::string format_day(int64_t day) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{day}}};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return text;
}

// "2026-01-31T12:00:00Z".
inline std::string format_utc(int64_t unix_seconds) {
    const Civil c = civil(unix_seconds);
    char text[48];
    std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(c.year), c.month, c.day,
                  c.hour, c.minute, c.second);
    return text;
}

// "2026-01-31": the UTC date of a moment.
inline std::string format_date(int64_t unix_seconds) { return format_day(day_of(unix_seconds)); }

// Parses exactly "YYYY-MM-DD" (years 1970..9999, real calendar dates only) into a day number;
// nullopt otherwise.
inline std::optional<int64_t> parse_day(std::string_view text) {
    using namespace std::chrono;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto number = [&](size_t from, size_t count) -> std::optional<unsigned> {
        unsigned n = 0;
        for (size_t i = from; i < from + count; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            n = n * 10 + static_cast<unsigned>(text[i] - '0');
        }
        return n;
    };
    const auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
    if (!y || !m || !d || *y < 1970) return std::nullopt;
    const year_month_day ymd{year{static_cast<int>(*y)}, month{*m}, day{*d}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd}.time_since_epoch().count();
}

// The same wall-clock time `months` calendar months later (earlier when negative), clamped to
// the last day of a shorter month (Jan 31 + 1 month = Feb 28 or 29).
//
// Rationale: the GDPR counts in months (Art. 12(3)); a fixed 30 days would be late or early
// depending on the month.
inline int64_t add_months(int64_t unix_seconds, int months) {
    using namespace std::chrono;
    const sys_seconds t{seconds{unix_seconds}};
    const sys_days day = floor<days>(t);
    const seconds time_of_day = t - day;
    year_month_day ymd = year_month_day{day} + std::chrono::months{months};
    if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last;
    return (sys_days{ymd} + time_of_day).time_since_epoch().count();
}

} // namespace plinth::sdk::dates
