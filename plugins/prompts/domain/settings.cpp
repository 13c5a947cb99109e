#include "settings.hpp"

#include <plinth/sdk/error.hpp>

#include <string>
#include <string_view>

namespace plinth::prompts {

namespace {

const boost::json::object *section(const boost::json::object &config, std::string_view name,
                                   std::initializer_list<std::string_view> known) {
    const boost::json::value *v = config.if_contains(name);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object())
        throw sdk::invalid_argument("configuration 'prompts." + std::string(name) + "' must be an object");
    for (const auto &member : v->get_object()) {
        bool ok = false;
        for (std::string_view k : known) ok = ok || member.key() == k;
        if (!ok)
            throw sdk::invalid_argument("unknown configuration key 'prompts." + std::string(name) + "." +
                                        std::string(member.key()) + "'");
    }
    return &v->get_object();
}

int64_t integer(const boost::json::object *object, std::string_view section_name, std::string_view key,
                int64_t fallback, int64_t min, int64_t max) {
    if (object == nullptr) return fallback;
    const boost::json::value *v = object->if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    const std::string name = "prompts." + std::string(section_name) + "." + std::string(key);
    int64_t n = 0;
    if (v->is_int64()) n = v->get_int64();
    else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
        n = static_cast<int64_t>(v->get_uint64());
    else
        throw sdk::invalid_argument("configuration '" + name + "' must be an integer");
    if (n < min || n > max)
        throw sdk::invalid_argument("configuration '" + name + "' must be between " + std::to_string(min) +
                                    " and " + std::to_string(max));
    return n;
}

} // namespace

int64_t RetentionPolicy::unlink_cutoff(int64_t now_s) const { return now_s - unlink_days * 86400; }
int64_t RetentionPolicy::delete_cutoff(int64_t now_s) const { return now_s - delete_days * 86400; }

Settings Settings::from_json(const boost::json::object &config) {
    Settings s;
    const auto *retention = section(config, "retention", {"unlink_days", "delete_days"});
    s.retention.unlink_days = integer(retention, "retention", "unlink_days", s.retention.unlink_days, 1,
                                      kMaxRetentionDays);
    s.retention.delete_days = integer(retention, "retention", "delete_days", s.retention.delete_days, 1,
                                      kMaxRetentionDays);
    // Deleting before unlinking would make the unlink stage meaningless; refusing the combination
    // keeps the documented order (link removed first, texts later) true for every configuration.
    if (s.retention.delete_days < s.retention.unlink_days)
        throw sdk::invalid_argument("configuration 'prompts.retention.delete_days' (" +
                                    std::to_string(s.retention.delete_days) +
                                    ") must not be shorter than 'prompts.retention.unlink_days' (" +
                                    std::to_string(s.retention.unlink_days) + ")");

    const auto *limits = section(config, "limits", {"prompt_bytes", "response_bytes"});
    s.limits.prompt_bytes = integer(limits, "limits", "prompt_bytes", s.limits.prompt_bytes, 1,
                                    kMaxConfigurableTextBytes);
    s.limits.response_bytes = integer(limits, "limits", "response_bytes", s.limits.response_bytes, 1,
                                      kMaxConfigurableTextBytes);
    return s;
}

} // namespace plinth::prompts
