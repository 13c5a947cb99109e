// releases/domain/catalogue.hpp — what a product's and a release's fields may hold.
#pragma once

#include <string_view>

namespace plinth::releases {

// The licenses module's slug rule: lowercase letters, digits and '-', 1..64, not starting with '-'.
bool valid_product_slug(std::string_view slug);

// A WordPress or PHP version as WordPress compares them: 1..20 of digits and dots ("6.1", "8.2.1").
// Empty is allowed by callers that treat it as "not stated".
bool valid_platform_version(std::string_view version);

// A link shown to sites (homepage, banner, icon): http or https, printable ASCII without spaces,
// quotes or angle brackets, at most 500 bytes.
bool valid_public_link(std::string_view url);

// A zip archive begins with a local file header (PK\3\4) or, when empty, the end record (PK\5\6).
bool looks_like_zip(std::string_view first_bytes);

} // namespace plinth::releases
