#include "domain/network.hpp"

#include <plinth/sdk/license_check.hpp>

#include <algorithm>

namespace plinth::licenses {

std::string_view coverage_name(Coverage c) noexcept { return sdk::license_coverage_name(static_cast<int32_t>(c)); }

std::string_view scope_name(LicenseScope s) noexcept { return s == LicenseScope::network ? "network" : "site"; }

std::optional<LicenseScope> scope_from_name(std::string_view name) noexcept {
    if (name == "site") return LicenseScope::site;
    if (name == "network") return LicenseScope::network;
    return std::nullopt;
}

CanonicalParts split_canonical(std::string_view canonical) noexcept {
    CanonicalParts p;
    size_t host_end = 0;
    if (!canonical.empty() && canonical.front() == '[') {
        size_t close = canonical.find(']');
        host_end = close == std::string_view::npos ? canonical.size() : close + 1;
    } else {
        host_end = std::min(canonical.find(':'), canonical.find('/'));
        if (host_end == std::string_view::npos) host_end = canonical.size();
    }
    p.host = canonical.substr(0, host_end);
    std::string_view rest = canonical.substr(host_end);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) slash = rest.size();
    p.port = rest.substr(0, slash);
    p.path = rest.substr(slash);
    return p;
}

Coverage relation(std::string_view site, std::string_view network) noexcept {
    if (site == network) return Coverage::main;
    CanonicalParts s = split_canonical(site);
    CanonicalParts n = split_canonical(network);
    if (s.port != n.port) return Coverage::mapped;
    // Whole labels only: "myexample.com" is not below "example.com". An address has no
    // subdomains, and a network installed in a subdirectory has subdirectory sites only
    // (WordPress offers subdomain sites to root installs).
    bool address = n.host.empty() || n.host.front() == '[' ||
                   n.host.find_first_not_of("0123456789.") == std::string_view::npos;
    if (!address && n.path.empty() && s.host.size() > n.host.size() + 1 && s.host.ends_with(n.host) &&
        s.host[s.host.size() - n.host.size() - 1] == '.')
        return Coverage::subdomain;
    // Whole segments only: "example.com/shopping" is not below "example.com/shop".
    if (s.host == n.host && s.path.size() > n.path.size() + 1 && s.path.starts_with(n.path) &&
        s.path[n.path.size()] == '/')
        return Coverage::subdirectory;
    return Coverage::mapped;
}

LicenseSites::LicenseSites(std::vector<std::string> activated) {
    sites.reserve(activated.size());
    for (std::string &s : activated) sites.push_back(ActivatedSite{std::move(s), 0, Coverage::site});
    sort();
}

void LicenseSites::sort() {
    std::sort(sites.begin(), sites.end(),
              [](const ActivatedSite &a, const ActivatedSite &b) { return a.canonical < b.canonical; });
}

CoverageAnswer cover(const LicenseSites &l, std::string_view site, std::string_view network) noexcept {
    auto it = std::lower_bound(l.sites.begin(), l.sites.end(), site,
                               [](const ActivatedSite &a, std::string_view b) { return std::string_view(a.canonical) < b; });
    if (it != l.sites.end() && it->canonical == site) return {it->coverage, it->network_id};
    if (l.scope != LicenseScope::network || !l.structural_without_activation) return {};
    const ActivatedNetwork *best = nullptr;
    Coverage best_kind = Coverage::none;
    for (const ActivatedNetwork &n : l.networks) {
        if (!network.empty() && n.canonical != network) continue;
        Coverage kind = relation(site, n.canonical);
        if (kind == Coverage::mapped) continue;
        if (best == nullptr || n.canonical.size() > best->canonical.size()) {
            best = &n;
            best_kind = kind;
        }
    }
    if (best == nullptr) return {};
    return {best_kind, best->id};
}

} // namespace plinth::licenses
