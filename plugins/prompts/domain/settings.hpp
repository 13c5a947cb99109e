// prompts/domain/settings.hpp — the module's configuration, validated once at start.
//
//   "prompts": {
//     "retention": {"unlink_days": 90, "delete_days": 365},
//     "limits":    {"prompt_bytes": 32768, "response_bytes": 65536}
//   }
//
// Every member is optional; a wrong type, an out-of-range value or an unknown member (at the top
// or inside "retention"/"limits") refuses the configuration with a message naming the key, so a
// typo can never silently keep prompts longer than the operator meant. Read with the SDK's one
// configuration reader (plinth/sdk/config.hpp).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>

namespace plinth::prompts {

// When each stage of retention is due for a prompt recorded at `created_at` (Unix seconds).
// A stage is due once the prompt's age reaches the period: created_at <= now - period.
struct RetentionPolicy {
    int64_t unlink_days = 90;  // the user link is removed (the prompt becomes anonymous)
    int64_t delete_days = 365; // the prompt and its texts are deleted

    // Prompts created at or before this time lose their user link.
    int64_t unlink_cutoff(int64_t now_s) const;
    // Prompts created at or before this time are deleted.
    int64_t delete_cutoff(int64_t now_s) const;
};

struct RecordLimits {
    int64_t prompt_bytes = 32 * 1024;
    int64_t response_bytes = 64 * 1024;
};

// Largest text size an operator may configure (texts are stored as MEDIUMTEXT).
inline constexpr int64_t kMaxConfigurableTextBytes = 4 * 1024 * 1024;
// Longest retention an operator may configure (a hundred years).
inline constexpr int64_t kMaxRetentionDays = 36500;

struct Settings {
    RetentionPolicy retention;
    RecordLimits limits;

    // Reads the module's configuration section (the host's own "database" and "state_dir" are
    // allowed; any other unknown member is refused).
    // Throws sdk::Error(PLINTH_E_INVALID_ARGUMENT) naming the offending key.
    static Settings from_json(const boost::json::object &config);
};

} // namespace plinth::prompts
