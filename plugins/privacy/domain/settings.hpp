// privacy/domain/settings.hpp — the module's configuration section, validated once at start.
//
//   "privacy": {
//     "state_dir": "/var/lib/plinth",            (set by the host; exports go to <state_dir>/privacy)
//     "export":  {"retention_days": 7},           archives are deleted by the sweep after this
//     "request": {"retention_days": 1095},        closed requests (pseudonymised) kept this long
//     "consent": {"retention_days": 1095},        an erased subject's ledger kept this long
//     "audit":   {"retention_days": 1095},
//     "purposes": {"gravatar": {"requires_opt_in": true, "description": "..."}},
//     "fail_after_modules": 1, "fail_mode": "error" | "crash",
//     "fail_after_items": 10                                       (tests only)
//   }
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace plinth::privacy {

struct PurposeInfo {
    bool requires_opt_in = false;
    std::string description;
};

enum class FailMode {
    error, // the run stops with an error: status "failed"
    crash  // the run stops as if the process died: status stays "running"
};

struct Settings {
    std::string state_dir;               // empty: exports are unavailable
    int64_t export_retention_days = 7;
    int64_t request_retention_days = 1095;
    int64_t consent_retention_days = 1095;
    int64_t audit_retention_days = 1095;
    std::map<std::string, PurposeInfo, std::less<>> purposes;
    // Failure injection for resumption tests: a request's *first* run stops after this many
    // modules (later runs are left alone, so executing again shows the resumption).
    std::optional<int64_t> fail_after_modules;
    // Tests only: an erasure's first run stops once this many outcomes were recorded in it, from
    // inside the reporting module (its sink refuses), as a crash in the middle of a module would.
    std::optional<int64_t> fail_after_items;
    FailMode fail_mode = FailMode::error;

    // Reads the module's section; unknown members are ignored (the host adds its own, e.g.
    // "database"), wrong types and out-of-range values throw invalid_argument naming the key.
    // Also accepts the flat spelling "export.retention_days".
    static Settings from_json(const boost::json::object &config);

    // The catalogue entry for `purpose`, if configured.
    const PurposeInfo *purpose(std::string_view name) const;
};

} // namespace plinth::privacy
