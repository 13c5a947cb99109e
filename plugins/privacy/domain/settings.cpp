#include "settings.hpp"

#include "identifiers.hpp"

#include <plinth/sdk/config.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

namespace plinth::privacy {

namespace {

constexpr int64_t kMaxRetentionDays = 36500;

int64_t read_days(const boost::json::object &config, std::string_view section, int64_t fallback) {
    const std::string key = std::string(section) + ".retention_days";
    const boost::json::value *v = nullptr;
    if (const auto *s = config.if_contains(section)) {
        if (!s->is_object()) throw sdk::invalid_argument("privacy configuration: '" + std::string(section) +
                                                         "' must be an object");
        v = s->get_object().if_contains("retention_days");
    }
    if (v == nullptr) v = config.if_contains(key);
    if (v == nullptr) return fallback;
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > kMaxRetentionDays)
        throw sdk::invalid_argument("privacy configuration: '" + key + "' must be an integer from 1 to " +
                                    std::to_string(kMaxRetentionDays));
    return v->get_int64();
}

} // namespace

Settings Settings::from_json(const boost::json::object &config) {
    // Every member must be one the module knows (a misspelt retention key must not leave its
    // default in force); the values are read below.
    const sdk::Config root = sdk::Config::module(
        "privacy", config,
        {"export", "request", "consent", "audit", "export.retention_days", "request.retention_days",
         "consent.retention_days", "audit.retention_days", "purposes", "fail_after_modules", "fail_after_items",
         "fail_mode"});
    for (std::string_view section : {"export", "request", "consent", "audit"}) {
        const boost::json::value *v = config.if_contains(section);
        if (v != nullptr && v->is_object()) root.section(section, {"retention_days"});
    }
    Settings s;
    if (const auto *v = config.if_contains("state_dir")) {
        if (!v->is_string()) throw sdk::invalid_argument("privacy configuration: 'state_dir' must be a string");
        s.state_dir = std::string(v->get_string());
    }
    s.export_retention_days = read_days(config, "export", s.export_retention_days);
    s.request_retention_days = read_days(config, "request", s.request_retention_days);
    s.consent_retention_days = read_days(config, "consent", s.consent_retention_days);
    s.audit_retention_days = read_days(config, "audit", s.audit_retention_days);

    s.purposes["gravatar"] = {true, "show a profile image fetched from Gravatar (a third party)"};
    s.purposes["ai-prompt-analysis"] = {false, "analyse AI prompts as a collection to improve the service"};
    if (const auto *v = config.if_contains("purposes")) {
        if (!v->is_object()) throw sdk::invalid_argument("privacy configuration: 'purposes' must be an object");
        for (const auto &member : v->get_object()) {
            std::string name = checked_purpose(member.key());
            if (!member.value().is_object())
                throw sdk::invalid_argument("privacy configuration: purpose '" + name + "' must be an object");
            const auto &o = member.value().get_object();
            for (const auto &field : o)
                if (field.key() != "requires_opt_in" && field.key() != "description")
                    throw sdk::invalid_argument("unknown configuration key 'privacy.purposes." + name + "." +
                                                std::string(field.key()) + "'");
            PurposeInfo info;
            if (const auto *r = o.if_contains("requires_opt_in")) {
                if (!r->is_bool())
                    throw sdk::invalid_argument("privacy configuration: 'purposes." + name +
                                                ".requires_opt_in' must be true or false");
                info.requires_opt_in = r->get_bool();
            }
            if (const auto *d = o.if_contains("description")) {
                if (!d->is_string())
                    throw sdk::invalid_argument("privacy configuration: 'purposes." + name +
                                                ".description' must be a string");
                info.description = std::string(d->get_string());
            }
            s.purposes[name] = std::move(info);
        }
    }

    if (const auto *v = config.if_contains("fail_after_modules")) {
        if (!v->is_int64() || v->get_int64() < 0)
            throw sdk::invalid_argument("privacy configuration: 'fail_after_modules' must be a non-negative integer");
        s.fail_after_modules = v->get_int64();
    }
    if (const auto *v = config.if_contains("fail_after_items")) {
        if (!v->is_int64() || v->get_int64() < 1)
            throw sdk::invalid_argument("privacy configuration: 'fail_after_items' must be a positive integer");
        s.fail_after_items = v->get_int64();
    }
    if (const auto *v = config.if_contains("fail_mode")) {
        if (!v->is_string() || (v->get_string() != "error" && v->get_string() != "crash"))
            throw sdk::invalid_argument("privacy configuration: 'fail_mode' must be \"error\" or \"crash\"");
        s.fail_mode = v->get_string() == "crash" ? FailMode::crash : FailMode::error;
    }
    return s;
}

const PurposeInfo *Settings::purpose(std::string_view name) const {
    auto it = purposes.find(name);
    return it == purposes.end() ? nullptr : &it->second;
}

} // namespace plinth::privacy
