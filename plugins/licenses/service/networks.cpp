// Multisite licenses (scope network): a network takes a seat, its sites join it. Part of
// Licensing; every function here runs inside the transaction that locked the license row, the
// same lock that makes seat limits hold, so sites_per_network holds under any concurrency too.
#include "service/licensing.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

namespace plinth::licenses {

using sdk::db::Connection;

namespace {

std::string detail(const boost::json::object &o) { return boost::json::serialize(o); }

std::string limit_text(int32_t limit) { return limit < 0 ? std::string("unlimited") : std::to_string(limit); }

} // namespace

ActivationResult Licensing::join_network(Connection &c, const LicenseRecord &l, const Site &site, const Site &net,
                                         const Actor &actor, int64_t now) {
    ActivationResult r;
    r.license = l;
    int64_t at = clock_();
    std::optional<NetworkRecord> network = store::network(c, l.id, net.canonical);
    if (std::optional<ActivationRecord> existing = store::activation(c, l.id, site.canonical)) {
        // Idempotent within its network; a site belongs to one network at a time.
        if (!network || existing->network_id != network->id) {
            std::optional<NetworkRecord> other =
                existing->network_id ? store::network_by_id(c, *existing->network_id) : std::nullopt;
            throw sdk::conflict("site " + site.canonical + " is already activated in network " +
                                (other ? other->network : std::string("(none)")) +
                                "; deactivate it there first");
        }
        r.activation = *existing;
        r.network = network;
        r.network_sites = store::count_network_sites(c, network->id);
        return r;
    }

    auto add_site = [&](const Site &s, Coverage kind, int64_t network_id) {
        bool exempt = !counts_against_network(kind, s.exempt && l.staging_exempt);
        if (!exempt) {
            int64_t used = store::count_network_sites(c, network_id);
            if (!seat_available(l.sites_per_network, used))
                throw sdk::limit_exceeded("network " + net.canonical + " has all " + limit_text(l.sites_per_network) +
                                          " of its sites activated; deactivate one of them first");
        }
        int64_t id = store::insert_activation(c, l.id, s.canonical, exempt, now, network_id, kind);
        store::append_audit(c, at, l.id, "activation.created", actor, s.canonical,
                            detail({{"activation_id", id},
                                    {"exempt", exempt},
                                    {"network_id", network_id},
                                    {"coverage", coverage_name(kind)}}));
        return ActivationRecord{id, l.id, s.canonical, exempt, now, network_id, kind};
    };

    if (!network) {
        bool exempt = net.exempt && l.staging_exempt;
        if (!exempt && !seat_available(l.seat_limit, store::count_networks(c, l.id)))
            throw sdk::limit_exceeded("all " + std::to_string(l.seat_limit) +
                                      " networks of this license are activated; deactivate a network first");
        int64_t id = store::insert_network(c, l.id, net.canonical, exempt, now);
        network = NetworkRecord{id, l.id, net.canonical, exempt, now};
        r.network_created = true;
        store::append_audit(c, at, l.id, "network.activated", actor, net.canonical,
                            detail({{"network_id", id}, {"exempt", exempt}}));
        // The network is named by its main site, which is one of its sites from the start.
        ActivationRecord main = add_site(net, Coverage::main, id);
        if (site.canonical == net.canonical) r.activation = main;
    }
    if (r.activation.id == 0) r.activation = add_site(site, relation(site.canonical, net.canonical), network->id);
    r.created = true;
    r.network = network;
    r.network_sites = store::count_network_sites(c, network->id);
    r.license.seats_used = static_cast<int32_t>(store::refresh_activation_summary(c, l.id, l.scope, now));
    r.license.updated_at = now;
    store::record_change(c, l.id, l.key_hash, at);
    return r;
}

DeactivationResult Licensing::leave_network(Connection &c, const LicenseRecord &l, const Site *site, const Site *net,
                                            const Actor &actor, int64_t at_us) {
    DeactivationResult r;
    std::optional<NetworkRecord> network;
    if (net != nullptr) {
        network = store::network(c, l.id, net->canonical);
        if (!network) throw sdk::not_found("network " + net->canonical + " is not activated on this license");
    }
    if (site != nullptr) {
        std::optional<ActivationRecord> a = store::activation(c, l.id, site->canonical);
        if (!a || (network && a->network_id != network->id))
            throw sdk::not_found("site " + site->canonical + " is not activated" +
                                 (network ? " in network " + network->network : std::string(" on this license")));
        if (a->coverage != Coverage::main) {
            store::delete_activation(c, l.id, site->canonical);
            store::append_audit(c, at_us, l.id, "activation.removed", actor, site->canonical,
                                detail({{"network_id", a->network_id.value_or(0)}}));
            r.sites_released = 1;
            return r;
        }
        // The main site names the network: without it there is no network left to cover.
        if (!network && a->network_id) network = store::network_by_id(c, *a->network_id);
        if (!network) throw sdk::Error(PLINTH_E_INTERNAL, "main site without its network");
    }
    r.sites_released = store::delete_network(c, network->id);
    r.network = network->network;
    store::append_audit(c, at_us, l.id, "network.deactivated", actor, network->network,
                        detail({{"network_id", network->id}, {"sites_released", r.sites_released}}));
    return r;
}

std::optional<Site> Licensing::containing_network(Connection &c, int64_t license_id, const Site &site) {
    std::optional<NetworkRecord> best;
    for (NetworkRecord &n : store::networks(c, license_id)) {
        if (relation(site.canonical, n.network) == Coverage::mapped) continue;
        if (!best || n.network.size() > best->network.size()) best = std::move(n);
    }
    if (!best) return std::nullopt;
    SiteResult r = canonical_site_or_form(best->network);
    if (!r.ok) throw sdk::Error(PLINTH_E_INTERNAL, "stored network " + best->network + " is not a canonical site");
    return std::move(r.site);
}

std::vector<NetworkView> Licensing::networks(int64_t license_id) {
    return pool_.run([&](Connection &c) {
        std::vector<NetworkView> out;
        for (NetworkRecord &n : store::networks(c, license_id)) out.push_back(NetworkView{std::move(n), {}});
        for (ActivationRecord &a : store::activations(c, license_id)) {
            for (NetworkView &v : out) {
                if (a.network_id && *a.network_id == v.network.id) {
                    v.sites.push_back(std::move(a));
                    break;
                }
            }
        }
        return out;
    });
}

} // namespace plinth::licenses
