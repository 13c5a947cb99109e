#include "environment.hpp"

#include "text.hpp"

#include <plinth/sdk/error.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace plinth::tickets {
namespace json = boost::json;
namespace {

constexpr size_t kNameBytes = 200;
constexpr size_t kVersionBytes = 64;
constexpr size_t kServerValueBytes = 1024;
constexpr size_t kExtraKeyBytes = 64;
constexpr size_t kExtraValueBytes = 4096;

struct ServerField {
    std::string_view name;
    bool is_private;
};
constexpr std::array<ServerField, 9> kServerFields = {{
    {"software", false},
    {"os", false},
    {"architecture", false},
    {"database", false}, // product and version, e.g. "MariaDB 10.11"
    {"hostname", true},
    {"document_root", true},
    {"database_name", true},
    {"database_host", true},
    {"database_user", true},
}};

// Substrings that make an extra's key private wherever they appear ("ABSPATH", "authSalt").
constexpr std::string_view kPrivateSubstrings[] = {
    "path",    "secret", "token",    "passw",      "salt",     "credential", "cookie", "session",
    "private", "apikey", "database", "connection", "hostname", "email",      "dsn"};
// Whole words that make a key private ("AUTH_KEY", "uploadDir", "DB_HOST"); as words only, so
// "monkey_patch" or "directory_listing_enabled" are judged on their other words.
constexpr std::string_view kPrivateWords[] = {"key", "dir", "root", "home", "db",  "pwd",
                                                            "pass", "auth", "host", "user", "nonce"};

std::string member_path(std::string_view a, std::string_view b = {}) {
    std::string p = "environment." + std::string(a);
    if (!b.empty()) p += "." + std::string(b);
    return p;
}

const json::object &as_object(const json::value &v, const std::string &where) {
    if (!v.is_object()) throw sdk::invalid_argument(where + " must be an object");
    return v.get_object();
}

std::string line(const json::value &v, const std::string &where, size_t max) {
    if (!v.is_string()) throw sdk::invalid_argument(where + " must be a string");
    std::string_view s(v.get_string().data(), v.get_string().size());
    check_line(where, s, max);
    return std::string(s);
}

json::object software(const json::value &v, const std::string &where, bool version_required) {
    const json::object &o = as_object(v, where);
    json::object out;
    for (const auto &m : o) {
        if (m.key() == "name") out["name"] = line(m.value(), where + ".name", kNameBytes);
        else if (m.key() == "version") out["version"] = line(m.value(), where + ".version", kVersionBytes);
        else throw sdk::invalid_argument("unknown member '" + std::string(m.key()) + "' in " + where);
    }
    if (!out.contains("name")) throw sdk::invalid_argument(where + ".name is missing");
    if (version_required && !out.contains("version")) throw sdk::invalid_argument(where + ".version is missing");
    return out;
}

bool valid_extra_key(std::string_view key) {
    if (key.empty() || key.size() > kExtraKeyBytes) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

// Splits "wpContentDir" / "DB_HOST" / "upload.dir" into lower-case words.
std::vector<std::string> words(std::string_view key) {
    std::vector<std::string> out;
    std::string current;
    for (size_t i = 0; i < key.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(key[i]);
        if (!std::isalnum(c)) {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
            continue;
        }
        bool camel_break = std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]));
        if (camel_break && !current.empty()) {
            out.push_back(std::move(current));
            current.clear();
        }
        current.push_back(static_cast<char>(std::tolower(c)));
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

json::value extra_scalar(const json::value &v, const std::string &where) {
    if (v.is_string()) {
        std::string_view s(v.get_string().data(), v.get_string().size());
        check_text(where, s, kExtraValueBytes);
        return v;
    }
    if (v.is_bool() || v.is_int64() || v.is_uint64() || v.is_double()) return v;
    throw sdk::invalid_argument(where + " must be a string, a number or true/false");
}

json::object extras(const json::value &v, const EnvironmentLimits &limits) {
    const json::object &o = as_object(v, "environment.extras");
    if (o.size() > limits.max_extras)
        throw sdk::Error(PLINTH_E_LIMIT_EXCEEDED, "environment.extras has more than " +
                                                      std::to_string(limits.max_extras) + " entries");
    json::object out;
    for (const auto &m : o) {
        std::string_view key(m.key().data(), m.key().size());
        if (!valid_extra_key(key))
            throw sdk::invalid_argument("environment.extras keys must be 1-64 characters of A-Z a-z 0-9 _ - .");
        std::string where = member_path("extras", key);
        json::value value;
        bool marked = false;
        if (m.value().is_object()) {
            const json::object &wrapped = m.value().get_object();
            for (const auto &w : wrapped) {
                if (w.key() == "value") value = extra_scalar(w.value(), where + ".value");
                else if (w.key() == "private") {
                    if (!w.value().is_bool()) throw sdk::invalid_argument(where + ".private must be true or false");
                    marked = w.value().get_bool();
                } else {
                    throw sdk::invalid_argument("unknown member '" + std::string(w.key()) + "' in " + where);
                }
            }
            if (value.is_null()) throw sdk::invalid_argument(where + ".value is missing");
        } else {
            value = extra_scalar(m.value(), where);
        }
        bool is_private = marked || private_key_name(key) ||
                          (value.is_string() && private_looking_value(value.get_string()));
        out[key] = json::object{{"value", std::move(value)}, {"private", is_private}};
    }
    return out;
}

} // namespace

bool private_key_name(std::string_view key) {
    std::string lower;
    for (char c : key)
        if (std::isalnum(static_cast<unsigned char>(c))) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (std::string_view s : kPrivateSubstrings)
        if (lower.find(s) != std::string::npos) return true;
    for (const std::string &w : words(key))
        for (std::string_view p : kPrivateWords)
            if (w == p) return true;
    return false;
}

bool private_looking_value(std::string_view v) {
    auto starts = [&](std::string_view p) { return v.substr(0, p.size()) == p; };
    if (starts("/") || starts("~/") || starts("\\\\")) return true;
    if (v.size() >= 3 && std::isalpha(static_cast<unsigned char>(v[0])) && v[1] == ':' && (v[2] == '\\' || v[2] == '/'))
        return true;
    // scheme://user[:password]@host — user info before the authority's end.
    size_t scheme = v.find("://");
    if (scheme != std::string_view::npos) {
        std::string_view rest = v.substr(scheme + 3);
        size_t end = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, end);
        if (authority.find('@') != std::string_view::npos) return true;
    }
    return false;
}

json::object normalise_environment(const json::object &input, const EnvironmentLimits &limits) {
    json::object out;
    for (const auto &m : input) {
        std::string_view key(m.key().data(), m.key().size());
        if (key == "cms" || key == "language") {
            out[key] = software(m.value(), member_path(key), false);
        } else if (key == "plugins") {
            if (!m.value().is_array()) throw sdk::invalid_argument("environment.plugins must be an array");
            const json::array &list = m.value().get_array();
            if (list.size() > limits.max_plugins)
                throw sdk::Error(PLINTH_E_LIMIT_EXCEEDED, "environment.plugins lists more than " +
                                                              std::to_string(limits.max_plugins) + " plugins");
            json::array plugins;
            for (size_t i = 0; i < list.size(); ++i)
                plugins.push_back(software(list[i], "environment.plugins[" + std::to_string(i) + "]", false));
            out["plugins"] = std::move(plugins);
        } else if (key == "server") {
            const json::object &o = as_object(m.value(), "environment.server");
            json::object server;
            for (const auto &f : o) {
                auto known = std::find_if(kServerFields.begin(), kServerFields.end(),
                                          [&](const ServerField &s) { return s.name == f.key(); });
                if (known == kServerFields.end())
                    throw sdk::invalid_argument("unknown member '" + std::string(f.key()) +
                                                "' in environment.server (use environment.extras)");
                server[f.key()] = line(f.value(), member_path("server", f.key()), kServerValueBytes);
            }
            out["server"] = std::move(server);
        } else if (key == "extras") {
            out["extras"] = extras(m.value(), limits);
        } else {
            throw sdk::invalid_argument("unknown member '" + std::string(key) +
                                        "' in environment (cms, language, plugins, server, extras)");
        }
    }
    size_t size = json::serialize(out).size();
    if (size > limits.max_bytes)
        throw sdk::Error(PLINTH_E_LIMIT_EXCEEDED, "environment is " + std::to_string(size) + " bytes; the limit is " +
                                                      std::to_string(limits.max_bytes));
    return out;
}

json::object environment_view(const json::object &stored, bool owner) {
    json::object view;
    for (const auto &m : stored) {
        if (m.key() == "server" && m.value().is_object()) {
            json::object server;
            for (const auto &f : m.value().get_object()) {
                auto known = std::find_if(kServerFields.begin(), kServerFields.end(),
                                          [&](const ServerField &s) { return s.name == f.key(); });
                // Fields unknown to this version are treated as private: the safe side.
                bool is_private = known == kServerFields.end() || known->is_private;
                server[f.key()] = (is_private && !owner) ? json::value(kRedacted) : f.value();
            }
            view["server"] = std::move(server);
        } else if (m.key() == "extras" && m.value().is_object()) {
            json::object extras;
            for (const auto &e : m.value().get_object()) {
                const json::object *entry = e.value().if_object();
                const json::value *value = entry ? entry->if_contains("value") : nullptr;
                const json::value *flag = entry ? entry->if_contains("private") : nullptr;
                bool is_private = flag == nullptr || !flag->is_bool() || flag->get_bool();
                if (value == nullptr) continue;
                extras[e.key()] = (is_private && !owner) ? json::value(kRedacted) : *value;
            }
            view["extras"] = std::move(extras);
        } else {
            view[m.key()] = m.value();
        }
    }
    return view;
}

} // namespace plinth::tickets
