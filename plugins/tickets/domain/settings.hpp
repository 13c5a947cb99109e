// tickets/domain/settings.hpp — the module's configuration section, validated.
//
//   "tickets": {
//     "attachments": {"max_bytes": 10485760, "max_per_ticket": 20, "min_free_disk_bytes": 1073741824},
//     "credentials": {"ttl_days": 7, "max_per_ticket": 10},
//     "environment": {"max_bytes": 16384},
//     "retention":   {"closed_ticket_days": 365, "reveal_log_days": 730},
//     "text":        {"subject_bytes": 200, "description_bytes": 65536, "reply_bytes": 65536},
//     "database":    {...}   // supplied by the host
//   }
// Unknown keys are refused so a misspelt limit does not silently fall back to its default (the
// SDK's one configuration reader, plinth/sdk/config.hpp).
#pragma once

#include "attachment_policy.hpp"
#include "credentials.hpp"
#include "environment.hpp"

#include <boost/json/object.hpp>

#include <cstdint>

namespace plinth::tickets {

// An attachment travels base64-encoded inside one JSON command, which the SDK caps at 32 MiB.
inline constexpr size_t kLargestAttachment = 20u << 20;

struct Settings {
    AttachmentLimits attachments;
    CredentialLimits credentials;
    EnvironmentLimits environment;
    int64_t closed_ticket_days = 365; // closed tickets are anonymised after this
    int64_t reveal_log_days = 730;    // reveal log entries are kept this long
    size_t subject_bytes = 200;
    size_t description_bytes = 64u << 10;
    size_t reply_bytes = 64u << 10;

    // Throws PLINTH_E_INVALID_ARGUMENT naming the key on unknown keys, wrong types or ranges.
    static Settings from_json(const boost::json::object &config);
};

} // namespace plinth::tickets
