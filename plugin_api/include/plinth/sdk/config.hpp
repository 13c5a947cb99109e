// plinth/sdk/config.hpp — reading a module's configuration section, refusing what it does not
// know.
//
// A module's section of the host configuration is JSON the operator typed. A misspelt key
// ("unlink_dayz") must not silently leave a default in force — for retention that would keep
// personal data longer than the operator meant — so every reader names the keys it knows, and
// anything else is refused with the key's full path. Values are checked for type and range with
// the same path in the message. Errors are sdk::Error(PLINTH_E_INVALID_ARGUMENT); a module that
// throws one from its constructor is refused by the host with that message.
//
//   sdk::Config root = sdk::Config::module("prompts", config, {"retention", "limits"});
//   sdk::Config retention = root.section("retention", {"unlink_days", "delete_days"});
//   policy.unlink_days = retention.integer("unlink_days", 90, 1, 36500);
//
// The members the host adds to every module's section ("database", "state_dir") are always
// allowed at the top. [thread-compatible: a value type over a borrowed object]
#pragma once

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::sdk {

class Config {
public:
    // The module's whole section (`config`, as the host hands it over). `known` lists the
    // top-level members the module reads. REQUIRES: `config` outlives the Config.
    static Config module(std::string_view module_id, const boost::json::object &config,
                         std::initializer_list<std::string_view> known) {
        std::vector<std::string_view> allowed(known);
        allowed.push_back("database");
        allowed.push_back("state_dir");
        return Config(&config, std::string(module_id), allowed);
    }

    // A nested object `key` (absent or null: every read gives its fallback); anything but an
    // object is refused, and so is a member not in `known`.
    Config section(std::string_view key, std::initializer_list<std::string_view> known) const {
        const boost::json::value *v = find(key);
        if (v == nullptr) return Config(nullptr, path_of(key), std::vector<std::string_view>(known));
        if (!v->is_object()) throw invalid_argument("configuration '" + path_of(key) + "' must be an object");
        return Config(&v->get_object(), path_of(key), std::vector<std::string_view>(known));
    }

    // The integer `key` in [min, max]; `fallback` when absent or null.
    int64_t integer(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
        const boost::json::value *v = find(key);
        if (v == nullptr) return fallback;
        int64_t n = 0;
        if (v->is_int64()) n = v->get_int64();
        else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
            n = static_cast<int64_t>(v->get_uint64());
        else throw invalid_argument("configuration '" + path_of(key) + "' must be an integer");
        if (n < min || n > max)
            throw invalid_argument("configuration '" + path_of(key) + "' must be between " + std::to_string(min) +
                                   " and " + std::to_string(max));
        return n;
    }

    bool boolean(std::string_view key, bool fallback) const {
        const boost::json::value *v = find(key);
        if (v == nullptr) return fallback;
        if (!v->is_bool()) throw invalid_argument("configuration '" + path_of(key) + "' must be true or false");
        return v->get_bool();
    }

    // The string `key` of at most `max_bytes`; nullopt when absent or null.
    std::optional<std::string> string(std::string_view key, size_t max_bytes) const {
        const boost::json::value *v = find(key);
        if (v == nullptr) return std::nullopt;
        if (!v->is_string()) throw invalid_argument("configuration '" + path_of(key) + "' must be a string");
        if (v->get_string().size() > max_bytes)
            throw invalid_argument("configuration '" + path_of(key) + "' must be at most " +
                                   std::to_string(max_bytes) + " bytes");
        return std::string(v->get_string());
    }

    // The raw value of a known member (for shapes of the module's own); nullptr when absent or null.
    const boost::json::value *value(std::string_view key) const { return find(key); }

    // "prompts.retention": what messages call this section.
    const std::string &path() const { return path_; }
    bool present() const { return object_ != nullptr; }

private:
    Config(const boost::json::object *object, std::string path, std::vector<std::string_view> known)
        : object_(object), path_(std::move(path)), known_(std::move(known)) {
        if (object_ == nullptr) return;
        for (const auto &member : *object_) {
            if (!is_known(member.key()))
                throw invalid_argument("unknown configuration key '" + path_of(member.key()) + "'");
        }
    }

    bool is_known(std::string_view key) const {
        for (std::string_view k : known_)
            if (k == key) return true;
        return false;
    }

    const boost::json::value *find(std::string_view key) const {
        if (!is_known(key))
            throw Error(PLINTH_E_INTERNAL, "configuration key '" + path_of(key) + "' is read but not declared");
        if (object_ == nullptr) return nullptr;
        const boost::json::value *v = object_->if_contains(key);
        return v == nullptr || v->is_null() ? nullptr : v;
    }

    std::string path_of(std::string_view key) const { return path_ + "." + std::string(key); }

    const boost::json::object *object_;
    std::string path_;
    std::vector<std::string_view> known_; // views into the callers' literals
};

} // namespace plinth::sdk
