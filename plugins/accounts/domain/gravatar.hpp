// accounts/domain/gravatar.hpp — the profile-image link, built only after the user opts in.
#pragma once

#include <string>
#include <string_view>

namespace plinth::accounts {

inline constexpr std::string_view kGravatarBase = "https://www.gravatar.com/avatar/";

// Gravatar's documented form: the hex SHA-256 of the trimmed, lowercased address.
std::string gravatar_url(std::string_view email);

} // namespace plinth::accounts
