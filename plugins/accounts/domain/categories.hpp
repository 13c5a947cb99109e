// accounts/domain/categories.hpp — the personal-data categories this module declares.
//
// The names are those of the vendor's privacy policy (the register of processing), so inventory,
// export, erasure and retention reports all speak the same words.
#pragma once

namespace plinth::accounts::category {

inline constexpr const char *kEmail = "email";
inline constexpr const char *kUsername = "username";
inline constexpr const char *kName = "first name, last name";
inline constexpr const char *kPassword = "password";
inline constexpr const char *kLogins = "logins/logouts";
inline constexpr const char *kGravatar = "gravatar";

} // namespace plinth::accounts::category
