#include "calendar.hpp"

#include <cstdio>

namespace plinth::privacy {

namespace {

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar, no tables.
struct Civil {
    int64_t year;
    unsigned month; // 1..12
    unsigned day;   // 1..31
};

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Civil civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

} // namespace

std::string format_utc(int64_t t) {
    const int64_t days = floor_div(t, kSecondsPerDay);
    const int64_t rest = t - days * kSecondsPerDay;
    const Civil c = civil_from_days(days);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.year),
                  c.month, c.day, static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
    return buffer;
}

std::string format_date(int64_t t) { return format_utc(t).substr(0, 10); }

std::string format_readable(int64_t t) {
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    const int64_t days = floor_div(t, kSecondsPerDay);
    const int64_t rest = t - days * kSecondsPerDay;
    const Civil c = civil_from_days(days);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%u %s %lld, %02lld:%02lld UTC", c.day, months[c.month - 1],
                  static_cast<long long>(c.year), static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60));
    return buffer;
}

int64_t add_one_month(int64_t t) {
    const int64_t days = floor_div(t, kSecondsPerDay);
    const int64_t time_of_day = t - days * kSecondsPerDay;
    Civil c = civil_from_days(days);
    if (c.month == 12) {
        c.month = 1;
        ++c.year;
    } else {
        ++c.month;
    }
    if (c.day > days_in_month(c.year, c.month)) c.day = days_in_month(c.year, c.month);
    return days_from_civil(c.year, c.month, c.day) * kSecondsPerDay + time_of_day;
}

} // namespace plinth::privacy
