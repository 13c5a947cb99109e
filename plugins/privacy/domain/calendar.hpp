// privacy/domain/calendar.hpp — dates as the GDPR counts them.
//
// Times are Unix seconds (UTC) everywhere in Plinth; the conversions are the SDK's
// (plinth/sdk/dates.hpp, through <chrono>), so output is the same on every machine.
#pragma once

#include <plinth/sdk/dates.hpp>

#include <cstdint>
#include <string>

namespace plinth::privacy {

using sdk::dates::kSecondsPerDay;

// "2026-01-31T12:00:00Z".
using sdk::dates::format_utc;
// "2026-01-31".
using sdk::dates::format_date;

// "31 January 2026, 12:00 UTC": for people (index.html), next to the ISO form.
std::string format_readable(int64_t unix_seconds);

// The same wall-clock time one calendar month later, clamped to the last day of a shorter month
// (Jan 31 -> Feb 28/29). Art. 12(3) gives one month to answer a request; a fixed 30 days would
// be late or early depending on the month.
inline int64_t add_one_month(int64_t unix_seconds) { return sdk::dates::add_months(unix_seconds, 1); }

} // namespace plinth::privacy
