// plinth/sdk/args.hpp — typed, validated access to a command's JSON arguments.
//
// Every getter names the argument in its error, so bad input always yields a clear message, and
// finish() refuses members nobody asked for (a typo must not be silently ignored).
#pragma once

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace plinth::sdk {

class Args {
public:
    explicit Args(const boost::json::object &object) : object_(object) {}

    const boost::json::object &raw() const { return object_; }
    bool has(std::string_view name) const { return object_.contains(name); }

    // A string of 1..max_bytes bytes (after the JSON parser has already verified UTF-8).
    std::string string(std::string_view name, size_t max_bytes = 1024) {
        auto v = optional_string(name, max_bytes);
        if (!v) throw invalid_argument("missing argument '" + std::string(name) + "' (string)");
        return *v;
    }

    std::optional<std::string> optional_string(std::string_view name, size_t max_bytes = 1024) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (!v->is_string())
            throw invalid_argument("argument '" + std::string(name) + "' must be a string");
        const auto &s = v->get_string();
        if (s.empty())
            throw invalid_argument("argument '" + std::string(name) + "' must not be empty");
        if (s.size() > max_bytes)
            throw invalid_argument("argument '" + std::string(name) + "' is longer than " +
                                   std::to_string(max_bytes) + " bytes");
        return std::string(s.data(), s.size());
    }

    int64_t integer(std::string_view name, int64_t min, int64_t max) {
        auto v = optional_integer(name, min, max);
        if (!v) throw invalid_argument("missing argument '" + std::string(name) + "' (integer)");
        return *v;
    }

    std::optional<int64_t> optional_integer(std::string_view name, int64_t min, int64_t max) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        int64_t n = 0;
        if (v->is_int64()) n = v->get_int64();
        else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
            n = static_cast<int64_t>(v->get_uint64());
        else
            throw invalid_argument("argument '" + std::string(name) + "' must be an integer");
        if (n < min || n > max)
            throw invalid_argument("argument '" + std::string(name) + "' must be between " +
                                   std::to_string(min) + " and " + std::to_string(max));
        return n;
    }

    bool boolean(std::string_view name, bool fallback) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return fallback;
        if (!v->is_bool())
            throw invalid_argument("argument '" + std::string(name) + "' must be true or false");
        return v->get_bool();
    }

    const boost::json::object *optional_object(std::string_view name) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_object())
            throw invalid_argument("argument '" + std::string(name) + "' must be an object");
        return &v->get_object();
    }

    const boost::json::array *optional_array(std::string_view name) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_array())
            throw invalid_argument("argument '" + std::string(name) + "' must be an array");
        return &v->get_array();
    }

    // Refuses any member that no getter asked for.
    void finish() const {
        for (const auto &member : object_)
            if (!taken_.count(std::string(member.key())))
                throw invalid_argument("unknown argument '" + std::string(member.key()) + "'");
    }

private:
    const boost::json::value *take(std::string_view name) {
        taken_.insert(std::string(name));
        return object_.if_contains(name);
    }

    const boost::json::object &object_;
    std::set<std::string> taken_;
};

} // namespace plinth::sdk
