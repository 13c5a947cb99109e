#include "domain/site.hpp"

#include "domain/text.hpp"

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <idn2.h>
#include <libpsl.h>

#include <array>
#include <cctype>
#include <memory>
#include <vector>

namespace plinth::licenses {

namespace {

SiteResult refuse(std::string message) {
    SiteResult r;
    r.error = std::move(message);
    return r;
}

// RFC 3986 has no place for raw non-ASCII bytes, yet people type IDN hosts and paths in UTF-8.
// Percent-encoding them first lets the parser accept the URL; the host is decoded again before
// IDNA, and the path keeps the (normalised, uppercase) encoding.
std::string percent_encode_non_ascii(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() + 16);
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 15]);
        }
    }
    return out;
}

const psl_ctx_t *suffixes() {
    // The list compiled into libpsl: no file access at run time, identical on every host.
    static const psl_ctx_t *ctx = psl_builtin();
    return ctx;
}

bool is_public_suffix(const std::string &host) {
    const psl_ctx_t *psl = suffixes();
    return psl != nullptr && psl_is_public_suffix(psl, host.c_str()) != 0;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Label rules for the ASCII form IDNA produced: letters, digits, hyphen (not at either end) and,
// because real DNS names carry them, underscore; 1..63 bytes each; 253 bytes in all.
bool valid_ascii_host(std::string_view host, std::string *why) {
    if (host.size() > 253) {
        *why = "site host is longer than 253 characters";
        return false;
    }
    size_t start = 0;
    std::string_view last;
    while (start <= host.size()) {
        size_t dot = host.find('.', start);
        if (dot == std::string_view::npos) dot = host.size();
        std::string_view label = host.substr(start, dot - start);
        if (label.empty()) {
            *why = "site host has an empty label";
            return false;
        }
        if (label.size() > 63) {
            *why = "site host has a label longer than 63 characters";
            return false;
        }
        if (label.front() == '-' || label.back() == '-') {
            *why = "site host has a label that starts or ends with '-'";
            return false;
        }
        for (char c : label) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                *why = "site host contains a character that is not allowed in a domain name";
                return false;
            }
        }
        last = label;
        start = dot + 1;
    }
    // A numeric last label is never a domain: "127.1" or "1.2.3.4.5" are malformed addresses.
    if (all_digits(last)) {
        *why = "site host is neither a domain name nor a valid IP address";
        return false;
    }
    return true;
}

struct IdnaResult {
    bool ok = false;
    std::string ascii;
    std::string error;
};

IdnaResult to_ascii(const std::string &utf8) {
    IdnaResult r;
    char *out = nullptr;
    int rc = idn2_to_ascii_8z(utf8.c_str(), &out, IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
    if (rc != IDN2_OK || out == nullptr) {
        r.error = std::string("site host is not a valid international domain name (") + idn2_strerror(rc) + ")";
        return r;
    }
    r.ascii = out;
    for (char &c : r.ascii)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    r.ok = true;
    return r;
}

// Non-ASCII labels need IDNA; so do ASCII-compatible ("xn--") labels, which IDNA validates.
bool needs_idna(std::string_view host) {
    for (size_t i = 0; i < host.size(); ++i) {
        auto b = static_cast<unsigned char>(host[i]);
        if (b >= 0x80) return true;
        bool label_start = i == 0 || host[i - 1] == '.';
        if (label_start && host.size() - i >= 4 && (host[i] == 'x' || host[i] == 'X') &&
            (host[i + 1] == 'n' || host[i + 1] == 'N') && host[i + 2] == '-' && host[i + 3] == '-')
            return true;
    }
    return false;
}

std::string_view last_label(std::string_view host) {
    size_t dot = host.rfind('.');
    return dot == std::string_view::npos ? host : host.substr(dot + 1);
}

std::string_view first_label(std::string_view host) {
    size_t dot = host.find('.');
    return dot == std::string_view::npos ? host : host.substr(0, dot);
}

// Loopback 127/8, private 10/8, 172.16/12, 192.168/16 (RFC 1918), link-local 169.254/16 and the
// documentation networks 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737).
bool local_ipv4(uint32_t a) {
    struct Net {
        uint32_t base;
        int bits;
    };
    static constexpr std::array<Net, 8> nets = {{{0x7F000000, 8},
                                                 {0x0A000000, 8},
                                                 {0xAC100000, 12},
                                                 {0xC0A80000, 16},
                                                 {0xA9FE0000, 16},
                                                 {0xC0000200, 24},
                                                 {0xC6336400, 24},
                                                 {0xCB007100, 24}}};
    for (const Net &n : nets)
        if ((a >> (32 - n.bits)) == (n.base >> (32 - n.bits))) return true;
    return false;
}

// Loopback ::1, unique-local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32 and
// 3fff::/20 (RFC 3849, RFC 9637); an IPv4-mapped address by its IPv4 rules.
bool local_ipv6(const boost::urls::ipv6_address &address) {
    if (address.is_loopback()) return true;
    auto b = address.to_bytes();
    if (address.is_v4_mapped())
        return local_ipv4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15]);
    if ((b[0] & 0xFE) == 0xFC) return true;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return true;
    return b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0;
}

bool dot_segment(std::string_view seg) { return seg == "." || seg == "%2e" || seg == "%2E"; }

bool dot_dot_segment(std::string_view seg) {
    if (seg.size() < 2) return false;
    size_t first = seg.front() == '.' ? 1 : 3;
    if (first == 3 && !dot_segment(seg.substr(0, 3))) return false;
    return seg.size() > first && dot_segment(seg.substr(first));
}

} // namespace

std::string remove_dot_segments(std::string_view path) {
    // Segment by segment: "." goes, ".." removes the segment before it and never climbs above the
    // root. A dot segment at the end leaves a trailing slash, as the RFC's algorithm does.
    std::vector<std::string_view> kept;
    bool trailing_slash = false;
    size_t start = (!path.empty() && path.front() == '/') ? 1 : 0;
    if (path.empty()) return {};
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        std::string_view seg = path.substr(start, slash - start);
        bool last = slash == path.size();
        if (dot_segment(seg)) {
            trailing_slash = last;
        } else if (dot_dot_segment(seg)) {
            if (!kept.empty()) kept.pop_back();
            trailing_slash = last;
        } else {
            kept.push_back(seg);
            trailing_slash = false;
        }
        start = slash + 1;
    }
    std::string out;
    for (std::string_view seg : kept) {
        out += '/';
        out += seg;
    }
    if (trailing_slash || out.empty()) out += '/';
    return out;
}

bool is_local_or_staging_host(std::string_view host) {
    if (host.empty()) return false;
    if (host.front() == '[') {
        if (host.size() < 2 || host.back() != ']') return false;
        auto v6 = boost::urls::parse_ipv6_address(host.substr(1, host.size() - 2));
        return v6 && local_ipv6(*v6);
    }
    // An IPv4 literal is local only in the ranges above: a public address is a production site.
    if (auto v4 = boost::urls::parse_ipv4_address(host)) return local_ipv4(v4->to_uint());
    // Reserved for testing, documentation and local use (RFC 2606, RFC 6761, RFC 6762).
    static constexpr std::array<std::string_view, 5> reserved = {"localhost", "local", "test", "invalid", "example"};
    std::string_view tld = last_label(host);
    for (std::string_view r : reserved)
        if (tld == r) return true;

    // staging./stage./dev. count only as a subdomain of a registrable domain: "dev.to" and
    // "stage.com" are real sites, "staging.example.co.uk" is not.
    static constexpr std::array<std::string_view, 3> staging = {"staging", "stage", "dev"};
    std::string_view first = first_label(host);
    bool staging_label = false;
    for (std::string_view s : staging) staging_label = staging_label || first == s;
    if (!staging_label) return false;
    const psl_ctx_t *psl = suffixes();
    if (psl == nullptr) return false;
    std::string copy(host);
    const char *registrable = psl_registrable_domain(psl, copy.c_str());
    return registrable != nullptr && registrable != copy.c_str();
}

SiteResult canonical_site(std::string_view input) {
    std::string_view text = trim_whitespace(input);
    if (text.empty()) return refuse("site is empty; expected a URL such as https://example.com");
    if (text.size() > kMaxSiteInputBytes)
        return refuse("site URL is longer than " + std::to_string(kMaxSiteInputBytes) + " bytes");
    for (char c : text) {
        auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f) return refuse("site URL contains control characters");
    }

    std::string encoded = percent_encode_non_ascii(text);
    auto parsed = boost::urls::parse_uri(encoded);
    if (!parsed) return refuse("site is not a valid URL; expected one such as https://example.com");
    const boost::urls::url_view &u = *parsed;
    if (u.scheme_id() != boost::urls::scheme::https && u.scheme_id() != boost::urls::scheme::http)
        return refuse("site must be an http:// or https:// URL");
    // After an authority the path is empty or starts with '/'. Boost.URL 1.81 accepts
    // "https://example.com:abc" (path "abc") and "https://1.2.3.4.5" (IPv4 1.2.3.4, path ".5"),
    // so this is checked here rather than trusted to the parser.
    if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
        return refuse("site is not a valid URL; expected one such as https://example.com");

    if (u.has_userinfo()) return refuse("site URL must not contain a user name or password");

    SiteResult result;
    Site &site = result.site;
    switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
        site.host = u.host_ipv4_address().to_string();
        break;
    case boost::urls::host_type::ipv6:
        site.host = "[" + u.host_ipv6_address().to_string() + "]";
        break;
    case boost::urls::host_type::name: {
        std::string name = u.encoded_host_name().decode();
        if (!name.empty() && name.back() == '.') name.pop_back(); // the root label
        if (name.empty()) return refuse("site URL has no host");
        for (char c : name) {
            auto b = static_cast<unsigned char>(c);
            if (b < 0x20 || b == 0x7f || c == '%' || c == '/' || c == '\\' || c == ' ' || c == '@' || c == ':')
                return refuse("site host contains a character that is not allowed in a domain name");
        }
        IdnaResult ascii;
        if (needs_idna(name)) {
            ascii = to_ascii(name);
            if (!ascii.ok) return refuse(ascii.error);
        } else {
            // For plain ASCII labels UTS #46 only lowercases, so libidn2 is skipped: it is most of
            // the cost of a canonicalisation, and it refuses real hosts such as
            // "r3---sn-abc.googlevideo.com" (hyphens in the third and fourth place).
            ascii.ascii = std::move(name);
            for (char &c : ascii.ascii)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        std::string why;
        if (!valid_ascii_host(ascii.ascii, &why)) return refuse(why);
        site.host = std::move(ascii.ascii);
        // "www." is a spelling of the same site, unless what remains is a public suffix
        // ("www.com" is a site of its own). Every leading "www." goes, not just the first: the
        // canonical form must read back as itself ("www.www.example.com" is example.com, never
        // www.example.com, which would canonicalise again to example.com).
        while (site.host.size() > 4 && site.host.compare(0, 4, "www.") == 0) {
            std::string rest = site.host.substr(4);
            if (is_public_suffix(rest)) break;
            site.host = std::move(rest);
        }
        // The canonical form must read back as this same name. A name that begins like an IPv4
        // address ("1.2.3.4t", reached through "1.2.3%2E4t" or "www.1.2.3.4t") would be read as
        // the address 1.2.3.4 followed by a path (the site fuzzer found it).
        if (std::isdigit(static_cast<unsigned char>(site.host.front())) != 0) {
            auto again = boost::urls::parse_uri("https://" + site.host);
            if (!again || again->host_type() != boost::urls::host_type::name || !again->encoded_path().empty())
                return refuse("site host is neither a domain name nor a valid IP address");
        }
        break;
    }
    case boost::urls::host_type::none:
        return refuse("site URL has no host");
    default:
        return refuse("site host is not a name or an IP address");
    }

    site.exempt = is_local_or_staging_host(site.host);
    // A public suffix ("com", "co.uk", an unknown single label) is where sites live, not a site.
    if (!site.exempt && site.host.front() != '[' && is_public_suffix(site.host))
        return refuse("site host '" + site.host + "' is a public suffix, not a site");

    std::string port;
    if (u.has_port() && !u.port().empty()) {
        std::string_view digits = u.port();
        if (!all_digits(digits)) return refuse("site URL has an invalid port");
        unsigned long value = 0;
        for (char c : digits) {
            value = value * 10 + static_cast<unsigned long>(c - '0');
            if (value > 65535) return refuse("site URL port must be between 1 and 65535");
        }
        if (value == 0) return refuse("site URL port must be between 1 and 65535");
        // The scheme is not part of the canonical form, so neither are the ports that only
        // restate one: example.com:443 and example.com:80 are example.com.
        if (value != 443 && value != 80) port = ":" + std::to_string(value);
    }

    boost::urls::url normal(u);
    normal.normalize_path();
    // Boost.URL 1.81 keeps ".." segments that would climb above the root ("/../shop"), and the
    // same spelled "%2e%2e": removed here, so they cannot make a second seat of one site.
    std::string path = remove_dot_segments(normal.encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();

    site.canonical = site.host + port + path;
    site.port = std::move(port);
    site.path = std::move(path);
    if (site.canonical.size() > kMaxCanonicalSiteBytes)
        return refuse("site URL is too long once canonicalised (more than " +
                      std::to_string(kMaxCanonicalSiteBytes) + " bytes)");
    result.ok = true;
    return result;
}

namespace {

// Whether `text` starts with a URL scheme and "://" (RFC 3986: a letter, then letters, digits,
// '+', '-' or '.'). A "://" further on, in a path (example.com/go://x), is not one.
bool starts_with_scheme(std::string_view text) {
    size_t sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0) return false;
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!letter(text[0])) return false;
    for (char c : text.substr(1, sep - 1))
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
    return true;
}

} // namespace

SiteResult canonical_site_or_form(std::string_view input) {
    std::string_view text = trim_whitespace(input);
    if (!text.empty() && !starts_with_scheme(text) && text.size() <= kMaxSiteInputBytes)
        return canonical_site("http://" + std::string(text));
    return canonical_site(text);
}

} // namespace plinth::licenses
