// privacy/domain/calendar.hpp — dates as the GDPR counts them.
//
// Times are Unix seconds (UTC) everywhere in Plinth; these helpers turn them into calendar dates
// without touching the process time zone, so output is the same on every machine.
#pragma once

#include <cstdint>
#include <string>

namespace plinth::privacy {

inline constexpr int64_t kSecondsPerDay = 86400;

// "2026-01-31T12:00:00Z".
std::string format_utc(int64_t unix_seconds);
// "2026-01-31".
std::string format_date(int64_t unix_seconds);
// "31 January 2026, 12:00 UTC": for people (index.html), next to the ISO form.
std::string format_readable(int64_t unix_seconds);

// The same wall-clock time one calendar month later, clamped to the last day of a shorter month
// (Jan 31 -> Feb 28/29). Art. 12(3) gives one month to answer a request; a fixed 30 days would
// be late or early depending on the month.
int64_t add_one_month(int64_t unix_seconds);

} // namespace plinth::privacy
