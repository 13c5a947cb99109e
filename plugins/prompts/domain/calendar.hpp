// prompts/domain/calendar.hpp — UTC days, the unit every aggregate is kept in.
//
// A day is the number of whole days since 1970-01-01 (UTC). Aggregates are keyed by it and the
// commands show it as "YYYY-MM-DD"; times themselves stay Unix seconds from the host clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::prompts {

inline constexpr int64_t kSecondsPerDay = 86400;

// The UTC day containing `unix_seconds` (floor division, so times before 1970 work too).
int64_t day_of(int64_t unix_seconds);

// "YYYY-MM-DD" of a day number.
std::string format_day(int64_t day);

// Parses exactly "YYYY-MM-DD" (years 1970..9999, real calendar dates only); nullopt otherwise.
std::optional<int64_t> parse_day(std::string_view text);

} // namespace plinth::prompts
