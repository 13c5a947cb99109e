#include "settings.hpp"

#include <plinth/sdk/config.hpp>
#include <plinth/sdk/error.hpp>

#include <string>
#include <string_view>

namespace plinth::prompts {

int64_t RetentionPolicy::unlink_cutoff(int64_t now_s) const { return now_s - unlink_days * 86400; }
int64_t RetentionPolicy::delete_cutoff(int64_t now_s) const { return now_s - delete_days * 86400; }

Settings Settings::from_json(const boost::json::object &config) {
    Settings s;
    const sdk::Config root = sdk::Config::module("prompts", config, {"retention", "limits"});
    const sdk::Config retention = root.section("retention", {"unlink_days", "delete_days"});
    s.retention.unlink_days = retention.integer("unlink_days", s.retention.unlink_days, 1, kMaxRetentionDays);
    s.retention.delete_days = retention.integer("delete_days", s.retention.delete_days, 1, kMaxRetentionDays);
    // Deleting before unlinking would make the unlink stage meaningless; refusing the combination
    // keeps the documented order (link removed first, texts later) true for every configuration.
    if (s.retention.delete_days < s.retention.unlink_days)
        throw sdk::invalid_argument("configuration 'prompts.retention.delete_days' (" +
                                    std::to_string(s.retention.delete_days) +
                                    ") must not be shorter than 'prompts.retention.unlink_days' (" +
                                    std::to_string(s.retention.unlink_days) + ")");

    const sdk::Config limits = root.section("limits", {"prompt_bytes", "response_bytes"});
    s.limits.prompt_bytes = limits.integer("prompt_bytes", s.limits.prompt_bytes, 1, kMaxConfigurableTextBytes);
    s.limits.response_bytes = limits.integer("response_bytes", s.limits.response_bytes, 1, kMaxConfigurableTextBytes);
    return s;
}

} // namespace plinth::prompts
