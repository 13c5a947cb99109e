// licenses/domain/site.hpp — what "the same site" means.
//
// A license counts seats per site, so two spellings of one site must map to one canonical form
// and two different sites must never collide. The URL is parsed by a real parser (Boost.URL),
// the host converted to ASCII by IDNA (libidn2, UTS #46 non-transitional) and judged against the
// public suffix list (libpsl) by whole labels — never by substring.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace plinth::licenses {

// Inputs longer than this are refused before parsing (a site URL, not a document).
inline constexpr size_t kMaxSiteInputBytes = 2048;
// The canonical form is stored in an indexed column of this width.
inline constexpr size_t kMaxCanonicalSiteBytes = 500;

struct Site {
    // host[:port][/path]: lowercase ASCII host without leading "www."s, port only when not the
    // scheme's default, path kept (subdirectory installs) without trailing slash, query and
    // fragment. http and https are the same site.
    std::string canonical;
    // The ASCII host alone ("[::1]" for IPv6).
    std::string host;
    // ":8443" when the port is not a default one, else empty.
    std::string port;
    // The normalised path without trailing slash ("/shop"), or empty.
    std::string path;
    // A local or staging site (localhost, a loopback/private/link-local/documentation address, a
    // reserved TLD, staging./stage./dev. below a registrable domain). Such a site takes no seat
    // when the license's policy says so.
    bool exempt = false;
};

struct SiteResult {
    bool ok = false;
    Site site;          // meaningful when ok
    std::string error;  // a sentence for the user when !ok; never empty then
};

// Canonicalises a site URL such as "https://www.Example.com:443/shop/?p=1". Only http and https
// URLs with a host are accepted; everything else yields ok=false and a clear error. Whitespace
// around the URL is ignored (trim_whitespace); dot segments are removed as RFC 3986 §5.2.4 says,
// also above the root and when percent-encoded ("/../shop", "/%2e%2e/shop" are "/shop"). Pure
// and thread-safe; allocates.
SiteResult canonical_site(std::string_view url);

// As canonical_site(), but also accepts a canonical form as the module lists it
// ("example.com/shop", "localhost:8080/wp"): text without "://" is read as an http URL. For
// commands that name a site already activated (deactivation), never for new activations.
SiteResult canonical_site_or_form(std::string_view url_or_canonical);

// True when `host` (lowercase ASCII, as in Site::host) is local or staging by the rules above.
// IP addresses count only in the loopback, private (RFC 1918, IPv6 unique-local fc00::/7),
// link-local and documentation ranges; a public address is a production site like any other.
bool is_local_or_staging_host(std::string_view host);

// RFC 3986 §5.2.4 over an encoded absolute path ("/a/./b/../c"), treating "%2e" as ".". Exposed
// for the tests.
std::string remove_dot_segments(std::string_view encoded_path);

} // namespace plinth::licenses
