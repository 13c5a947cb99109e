#include "settings.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace plinth::tickets {
namespace json = boost::json;
namespace {

using Setter = std::function<void(int64_t)>;
struct Key {
    int64_t min, max;
    Setter set;
};

int64_t integer(const json::value &v, const std::string &where, int64_t min, int64_t max) {
    int64_t n = 0;
    if (v.is_int64()) n = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) n = static_cast<int64_t>(v.get_uint64());
    else throw sdk::invalid_argument("tickets configuration: " + where + " must be an integer");
    if (n < min || n > max)
        throw sdk::invalid_argument("tickets configuration: " + where + " must be between " + std::to_string(min) +
                                    " and " + std::to_string(max));
    return n;
}

} // namespace

Settings Settings::from_json(const json::object &config) {
    Settings s;
    auto sz = [](size_t &field) { return [&field](int64_t v) { field = static_cast<size_t>(v); }; };
    auto i64 = [](int64_t &field) { return [&field](int64_t v) { field = v; }; };
    auto u64 = [](uint64_t &field) { return [&field](int64_t v) { field = static_cast<uint64_t>(v); }; };
    const std::map<std::string, std::map<std::string, Key>> sections = {
        {"attachments",
         {{"max_bytes", {1, static_cast<int64_t>(kLargestAttachment), sz(s.attachments.max_bytes)}},
          {"max_per_ticket", {1, 1000, sz(s.attachments.max_per_ticket)}},
          {"min_free_disk_bytes", {0, int64_t{1} << 50, u64(s.attachments.min_free_disk_bytes)}}}},
        {"credentials",
         {{"ttl_days", {1, 90, i64(s.credentials.ttl_days)}},
          {"max_per_ticket", {1, 100, sz(s.credentials.per_ticket)}}}},
        {"environment", {{"max_bytes", {1024, 1 << 20, sz(s.environment.max_bytes)}}}},
        {"retention",
         {{"closed_ticket_days", {1, 36500, i64(s.closed_ticket_days)}},
          {"reveal_log_days", {1, 36500, i64(s.reveal_log_days)}}}},
        {"text",
         {{"subject_bytes", {16, 1000, sz(s.subject_bytes)}},
          {"description_bytes", {256, 1 << 20, sz(s.description_bytes)}},
          {"reply_bytes", {256, 1 << 20, sz(s.reply_bytes)}}}},
    };
    for (const auto &member : config) {
        std::string name(member.key());
        if (name == "database" || name == "state_dir") continue; // supplied by the host
        auto section = sections.find(name);
        if (section == sections.end())
            throw sdk::invalid_argument("tickets configuration: unknown key '" + name + "'");
        if (!member.value().is_object())
            throw sdk::invalid_argument("tickets configuration: '" + name + "' must be an object");
        for (const auto &entry : member.value().get_object()) {
            std::string key(entry.key());
            auto k = section->second.find(key);
            if (k == section->second.end())
                throw sdk::invalid_argument("tickets configuration: unknown key '" + name + "." + key + "'");
            k->second.set(integer(entry.value(), name + "." + key, k->second.min, k->second.max));
        }
    }
    return s;
}

} // namespace plinth::tickets
