#include "calendar.hpp"

#include <cstdio>

namespace plinth::privacy {

std::string format_readable(int64_t t) {
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    const sdk::dates::Civil c = sdk::dates::civil(t);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%u %s %lld, %02u:%02u UTC", c.day, months[c.month - 1],
                  static_cast<long long>(c.year), c.hour, c.minute);
    return buffer;
}

} // namespace plinth::privacy
