// Site canonicalisation (licenses/domain/site.hpp) on arbitrary text.
//
// Properties: it never crashes or throws; a refusal always says why; an accepted site's canonical
// form fits its column, is lowercase ASCII without scheme, query or fragment, and is a fixed
// point: read again (as a listed form, or without a port as an http or https URL) it is the same
// site.
#include "check.hpp"
#include "domain/site.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace plinth::licenses;

namespace {

void check_same(const SiteResult &again, const Site &first, const char *how) {
    FUZZ_CHECK(again.ok, std::string(how) + ": " + first.canonical + " -> " + again.error);
    FUZZ_CHECK(again.site.canonical == first.canonical,
               std::string(how) + ": " + first.canonical + " -> " + again.site.canonical);
    FUZZ_CHECK(again.site.exempt == first.exempt, std::string(how) + ": exempt changed for " + first.canonical);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    for (const SiteResult &r : {canonical_site(text), canonical_site_or_form(text)}) {
        if (!r.ok) {
            FUZZ_CHECK(!r.error.empty(), text);
            continue;
        }
        const Site &site = r.site;
        FUZZ_CHECK(!site.canonical.empty() && site.canonical.size() <= kMaxCanonicalSiteBytes, site.canonical);
        FUZZ_CHECK(site.canonical == site.host + site.port + site.path, site.canonical);
        // No scheme: the host holds no ':' or '/' ("://" may appear later, inside the path).
        FUZZ_CHECK(site.host.find_first_of(":/") == std::string::npos || site.host.front() == '[', site.canonical);
        // Printable ASCII; the host in lowercase. The path keeps its case (a site under /Shop is
        // not one under /shop on a case-sensitive server), except the hex digits of its
        // percent-encodings, which are uppercase (RFC 3986 §6.2.2.1).
        for (size_t i = 0; i < site.canonical.size(); ++i) {
            char c = site.canonical[i];
            auto u = static_cast<unsigned char>(c);
            bool in_host = i < site.host.size();
            bool hex_digit = (i >= 1 && site.canonical[i - 1] == '%') || (i >= 2 && site.canonical[i - 2] == '%');
            FUZZ_CHECK(u > 0x20 && u < 0x7f && c != '?' && c != '#', site.canonical);
            FUZZ_CHECK(!in_host || !(c >= 'A' && c <= 'Z'), site.canonical);
            FUZZ_CHECK(!hex_digit || !(c >= 'a' && c <= 'f'), site.canonical);
        }
        FUZZ_CHECK(site.path.empty() || (site.path.front() == '/' && site.path.back() != '/'), site.canonical);
        check_same(canonical_site_or_form(site.canonical), site, "listed form");
        // With no port, which of the two schemes it came by makes no difference either.
        if (site.port.empty()) {
            check_same(canonical_site("http://" + site.canonical), site, "as http URL");
            check_same(canonical_site("https://" + site.canonical), site, "as https URL");
        }
    }
    return 0;
}
