// prompts/domain/calendar.hpp — UTC days, the unit every aggregate is kept in.
//
// A day is the number of whole days since 1970-01-01 (UTC). Aggregates are keyed by it and the
// commands show it as "YYYY-MM-DD"; times themselves stay Unix seconds from the host clock. The
// conversions are the SDK's (plinth/sdk/dates.hpp, through <chrono>).
#pragma once

#include <plinth/sdk/dates.hpp>

namespace plinth::prompts {

using sdk::dates::kSecondsPerDay;

// The UTC day containing `unix_seconds` (floor division, so times before 1970 work too).
using sdk::dates::day_of;
// "YYYY-MM-DD" of a day number.
using sdk::dates::format_day;
// Parses exactly "YYYY-MM-DD" (years 1970..9999, real calendar dates only); nullopt otherwise.
using sdk::dates::parse_day;

} // namespace plinth::prompts
