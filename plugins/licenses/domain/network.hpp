// licenses/domain/network.hpp — multisite: when an activated network covers a site.
//
// A WordPress multisite network is one installation serving many sites. Under a license whose
// policy has scope "network", the seat limit counts networks (named by their main site's URL) and
// every site of a network is covered by its activation. Pure rules over canonical forms
// (domain/site.hpp): no I/O, no allocation in cover().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::licenses {

// Same numbers as plinth_license_coverage (plinth/ext/license_check.h).
enum class Coverage : int32_t {
    none = 0,         // not covered
    site = 1,         // an activated site of a site-scoped license (no network)
    main = 2,         // the network's main site
    subdomain = 3,    // a subdomain of the network's host (blog.example.com under example.com)
    subdirectory = 4, // a path below the network's path on its host (example.com/blog)
    mapped = 5,       // any other site that reports the network (domain mapping): not verifiable
};

enum class LicenseScope : uint8_t { site = 0, network = 1 };

// "none", "site", "main", "subdomain", "subdirectory", "mapped".
std::string_view coverage_name(Coverage c) noexcept;
// "site", "network"; from_name returns nullopt for anything else.
std::string_view scope_name(LicenseScope s) noexcept;
std::optional<LicenseScope> scope_from_name(std::string_view name) noexcept;

// The parts of a canonical form: host ("[::1]" for IPv6), port (":8443" or empty), path.
struct CanonicalParts {
    std::string_view host;
    std::string_view port;
    std::string_view path;
};
CanonicalParts split_canonical(std::string_view canonical) noexcept;

// How a site relates to a network by their canonical forms alone: main, subdomain (of a network
// at its host's root; same port, any path), subdirectory (same host and port, path below the
// network's, by whole segments), or else mapped.
// Never none or site.
Coverage relation(std::string_view site, std::string_view network) noexcept;

// A domain-mapped site cannot be shown to belong to the network, so it always takes one of the
// network's sites (sites_per_network), even when it looks like a staging site; the others take
// none when they are local/staging under a staging-exempt policy.
inline bool counts_against_network(Coverage c, bool exempt_by_policy) noexcept {
    return c == Coverage::mapped || !exempt_by_policy;
}

// What a license has activated, as the check needs it.
struct ActivatedSite {
    std::string canonical;
    int64_t network_id = 0; // 0 for a site-scoped license
    Coverage coverage = Coverage::site;
};
struct ActivatedNetwork {
    int64_t id = 0;
    std::string canonical; // the network's main site
};
struct LicenseSites {
    LicenseScope scope = LicenseScope::site;
    // Under an unlimited sites_per_network the network's main site, subdomains and subdirectories
    // are covered without activations of their own ("one activation covers the network"); with a
    // sub-limit every site must be activated, so that it can be counted.
    bool structural_without_activation = false;
    std::vector<ActivatedSite> sites;       // sorted by canonical (sort())
    std::vector<ActivatedNetwork> networks;

    LicenseSites() = default;
    // A site-scoped license with these activated sites (any order).
    LicenseSites(std::vector<std::string> activated); // NOLINT: implicit on purpose
    LicenseSites(std::initializer_list<std::string> activated) // NOLINT: implicit on purpose
        : LicenseSites(std::vector<std::string>(activated)) {}
    void sort();
};

struct CoverageAnswer {
    Coverage coverage = Coverage::none;
    int64_t network_id = 0;
    bool covered() const { return coverage != Coverage::none; }
};

// Whether `site` (canonical) is covered on a license with `sites`, for a check that reported
// `network` (canonical; empty when the check named none):
//  - site scope: the site must be activated; a reported network is ignored;
//  - network scope: a site activated under any of the license's networks is covered by it;
//    otherwise, when structural_without_activation, the reported network (or, when none was
//    reported, the most specific activated network) covers its main site, subdomains and
//    subdirectories; a domain-mapped site is covered only once activated.
// Pure; never allocates. REQUIRES: sites.sort() was called after the last change.
CoverageAnswer cover(const LicenseSites &sites, std::string_view site, std::string_view network) noexcept;

} // namespace plinth::licenses
