// accounts/domain/identity.hpp — what a valid email, username, name and password look like.
//
// Pure functions: no SQL, no ABI. Each validator throws sdk::invalid_argument with a message that
// states the rule that was broken (the message is shown to the user, so it never echoes a
// password), and returns the value in the form to store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::accounts {

// Limits stated in every error message. Bytes unless the name says characters.
inline constexpr size_t kEmailMaxBytes = 254;        // RFC 5321 path limit
inline constexpr size_t kEmailLocalMaxBytes = 64;
inline constexpr size_t kUsernameMinChars = 3;
inline constexpr size_t kUsernameMaxChars = 32;
inline constexpr size_t kNameMaxChars = 100;
inline constexpr size_t kNameMaxBytes = 400;          // 100 characters of at most 4 bytes
inline constexpr size_t kPasswordMinCharsFloor = 8;   // config may raise, never lower, this
inline constexpr size_t kPasswordMaxChars = 256;
inline constexpr size_t kPasswordMaxBytes = 1024;     // bounds hashing work per attempt

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);
// Number of code points in well-formed UTF-8.
size_t utf8_length(std::string_view s);

// An email address as given (surrounding whitespace trimmed) and its normalised form (ASCII
// lowercased), which is what uniqueness and lookups use.
struct Email {
    std::string given;
    std::string normalized;
};

// Trims ASCII whitespace and checks the address: ASCII only, one '@', a dot-atom local part of
// at most 64 bytes, a domain of at least two LDH labels (1..63 bytes, no leading or trailing
// hyphen), 254 bytes in all. Throws invalid_argument naming the rule.
Email parse_email(std::string_view raw);

// The lookup form of something typed into a login field: trimmed, ASCII-lowercased. Never
// throws; an identifier that is not a valid email or username simply matches nothing.
std::string normalize_login(std::string_view raw);

// 3..32 characters from [A-Za-z0-9._-], starting with a letter or digit. Returns the username as
// given; uniqueness is case-insensitive (see normalize_username).
std::string parse_username(std::string_view raw);
std::string normalize_username(std::string_view username);

// A first or last name: a name in sdk::text's sense (valid UTF-8; no control characters, line
// separators or bidirectional embedding/override/isolate characters), not only whitespace,
// 1..100 characters. Stored exactly as given. `field` names the argument in the error.
std::string parse_name(std::string_view raw, std::string_view field);

// Valid UTF-8, no NUL, `min_chars`..256 characters and at most 1024 bytes. Whitespace is kept:
// it is part of the secret. `field` names the argument in the error.
void check_password_policy(std::string_view password, size_t min_chars, std::string_view field = "password");

// The cheap shape check applied to a login attempt before any lookup: non-empty, valid UTF-8,
// no NUL, at most 1024 bytes. It depends only on the input, so it reveals nothing about accounts.
void check_login_password(std::string_view password);

enum class Role : int32_t { customer = 0, staff = 1, admin = 2 };

std::string_view role_name(Role role);
// "customer" | "staff" | "admin"; throws invalid_argument listing those.
Role parse_role(std::string_view name);
std::optional<Role> role_from_int(int64_t value);

} // namespace plinth::accounts
