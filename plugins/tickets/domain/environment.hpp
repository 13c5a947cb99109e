// tickets/domain/environment.hpp — the customer's system environment attached to a ticket.
//
// Accepted shape (every member optional, nothing else allowed):
//   {
//     "cms":      {"name": "WordPress", "version": "6.5.2"},
//     "language": {"name": "PHP", "version": "8.2.10"},
//     "plugins":  [{"name": "Forms Pro", "version": "3.1.0"}, ...],      // the active plugins
//     "server":   {"software", "os", "architecture", "database",           // public
//                  "hostname", "document_root", "database_name",           // private
//                  "database_host", "database_user"},
//     "extras":   {"<key>": "text" | number | true/false
//                          | {"value": <one of those>, "private": true}}
//   }
//
// Private values are kept for the ticket's owner and shown as "[redacted]" to everyone else,
// staff included. A value is private when
//   - it is one of the private server fields above (host names, paths, database names and users);
//   - it is an extra the owner marked {"private": true};
//   - an extra's key names a path, a directory, a key, a secret, a password, a token, a salt,
//     a cookie, a session, a database or a connection (see private_key_name());
//   - an extra's value looks like a filesystem path or a URL with a user name in it.
// Marking an extra {"private": false} never overrides these rules: it is the safe side that wins.
#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <string_view>

namespace plinth::tickets {

struct EnvironmentLimits {
    size_t max_bytes = 16 * 1024; // the stored JSON document
    size_t max_plugins = 200;
    size_t max_extras = 64;
};

inline constexpr std::string_view kRedacted = "[redacted]";

// Validates `input` against the shape above and returns the stored form: the same members with
// every extra as {"value": v, "private": bool}. Throws PLINTH_E_INVALID_ARGUMENT (or
// PLINTH_E_LIMIT_EXCEEDED for size limits) naming the offending member.
boost::json::object normalise_environment(const boost::json::object &input, const EnvironmentLimits &limits);

// The view of a stored environment: everything for the owner, private values redacted for
// anyone else. Extras come back as plain key → value.
boost::json::object environment_view(const boost::json::object &stored, bool owner);

// Key-name rule for extras, exposed for tests and documentation.
bool private_key_name(std::string_view key);
// Value rule for extras: absolute paths (/x, ~/x, C:\x, \\server\x) and URLs with user info.
bool private_looking_value(std::string_view value);

} // namespace plinth::tickets
