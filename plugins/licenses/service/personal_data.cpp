// Audit listing, personal data (export, erasure) and retention of Licensing. Split from
// licensing.cpp, which holds the rest of the class.
#include "service/licensing.hpp"

#include <plinth/ext/personal_data.h>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace plinth::licenses {

using sdk::db::Connection;

namespace {

constexpr std::string_view kContractBasis = "contract (Art. 6(1)(b))";

std::string detail(const boost::json::object &o) { return boost::json::serialize(o); }

} // namespace

// ---- audit, personal data, retention ----

std::vector<AuditRecord> Licensing::audit(std::optional<int64_t> license_id, int64_t before_id, int64_t limit) {
    return pool_.run([&](Connection &c) { return store::audit(c, license_id, before_id, limit); });
}

void Licensing::export_subject(int64_t user_id,
                               const std::function<void(std::string_view, const boost::json::object &)> &item) {
    if (user_id <= 0) return;
    struct Data {
        std::vector<LicenseRecord> licenses;
        std::vector<std::vector<ActivationRecord>> activations;
        std::vector<std::vector<NetworkRecord>> networks;
        std::vector<AuditRecord> audit;
    };
    // One consistent read: the export must not mix states from before and after a change.
    Data data = pool_.transaction([&](Connection &c) {
        Data d;
        d.licenses = store::licenses_of(c, user_id);
        std::vector<int64_t> seen;
        for (const LicenseRecord &l : d.licenses) {
            d.activations.push_back(store::activations(c, l.id));
            d.networks.push_back(store::networks(c, l.id));
            for (AuditRecord &a : store::audit_of_license(c, l.id)) {
                seen.push_back(a.id);
                d.audit.push_back(std::move(a));
            }
        }
        for (AuditRecord &a : store::audit_by_actor(c, user_id))
            if (std::find(seen.begin(), seen.end(), a.id) == seen.end()) d.audit.push_back(std::move(a));
        return d;
    });
    for (size_t i = 0; i < data.licenses.size(); ++i) {
        const LicenseRecord &l = data.licenses[i];
        item("license", {{"id", l.id},
                         {"product", product_slug(l.product_id)},
                         {"status", status_name(l.status)},
                         {"key", reveal_key(l)},
                         {"seat_limit", l.seat_limit},
                         {"seats_used", l.seats_used},
                         {"issued_at", l.issued_at},
                         {"expires_at", l.expires_at},
                         {"grace_ends_at", grace_end(l.expires_at, l.grace_days)}});
        // Network URLs are personal data like site URLs: exported with the activations.
        auto network_of = [&](std::optional<int64_t> id) -> boost::json::value {
            for (const NetworkRecord &n : data.networks[i])
                if (id && n.id == *id) return boost::json::value(n.network);
            return nullptr;
        };
        for (const NetworkRecord &n : data.networks[i])
            item("license activation", {{"license_id", n.license_id},
                                        {"network", n.network},
                                        {"exempt", n.exempt},
                                        {"activated_at", n.activated_at}});
        for (const ActivationRecord &a : data.activations[i]) {
            boost::json::object o{{"license_id", a.license_id},
                                  {"site", a.site},
                                  {"exempt", a.exempt},
                                  {"activated_at", a.activated_at}};
            if (a.network_id) {
                o["network"] = network_of(a.network_id);
                o["coverage"] = coverage_name(a.coverage);
            }
            item("license activation", o);
        }
    }
    for (const AuditRecord &a : data.audit) {
        boost::json::object o{{"at_us", a.at_us}, {"action", a.action}, {"detail", a.detail}};
        o["license_id"] = a.license_id ? boost::json::value(*a.license_id) : boost::json::value(nullptr);
        o["site"] = a.site ? boost::json::value(*a.site) : boost::json::value(nullptr);
        o["by_subject"] = a.actor_user_id && *a.actor_user_id == user_id;
        item("license audit", o);
    }
}

std::vector<sdk::ErasureOutcome> Licensing::erase_subject(int64_t user_id, bool dry_run, const Actor &actor) {
    if (user_id <= 0) return {};
    std::vector<sdk::ErasureOutcome> out;
    std::vector<KeyHash> touched;
    pool_.transaction([&](Connection &c) {
        out.clear();
        touched.clear();
        int64_t now = now_s();
        int64_t at = clock_();
        for (const LicenseRecord &listed : store::licenses_of(c, user_id)) {
            std::optional<LicenseRecord> l = dry_run ? listed : store::lock_license(c, listed.id);
            if (!l || l->user_id != user_id) continue; // changed meanwhile
            for (const NetworkRecord &n : store::networks(c, l->id))
                out.push_back({"license activation", "network " + std::to_string(n.id), PLINTH_ERASURE_REMOVED, "", 0});
            for (const ActivationRecord &a : store::activations(c, l->id))
                out.push_back({"license activation", "activation " + std::to_string(a.id), PLINTH_ERASURE_REMOVED, "", 0});
            int64_t until = retained_until(l->expires_at, now, config_.accounting_retention_years);
            out.push_back({"license", "license " + std::to_string(l->id), PLINTH_ERASURE_RETAINED,
                           std::string(kContractBasis), until});
            bool audited_sites = false;
            for (const AuditRecord &a : store::audit_of_license(c, l->id)) audited_sites = audited_sites || a.site;
            if (audited_sites)
                out.push_back({"license audit", "audit of license " + std::to_string(l->id), PLINTH_ERASURE_ANONYMISED, "", 0});
            if (dry_run) continue;
            // The contract record stays (accounting), without the person, and stops working:
            // nobody is left to hold it.
            store::delete_activations(c, l->id);
            store::unlink_owner(c, l->id, until, now);
            if (l->status != LicenseStatus::revoked) store::update_license_state(c, l->id, LicenseStatus::revoked, l->expires_at, now);
            store::scrub_audit_sites(c, l->id);
            store::append_audit(c, at, l->id, "license.owner_erased", actor, std::nullopt,
                                detail({{"retained_until", until}}));
            store::record_change(c, l->id, l->key_hash, at);
            touched.push_back(l->key_hash);
        }
        if (!store::audit_by_actor(c, user_id).empty()) {
            out.push_back({"license audit", "audit entries made by the subject", PLINTH_ERASURE_ANONYMISED, "", 0});
            if (!dry_run) store::scrub_audit_actor(c, user_id);
        }
    });
    for (const KeyHash &h : touched) changed(h);
    return out;
}

std::vector<sdk::RetentionCount> Licensing::sweep(int64_t now_us) {
    int64_t now = now_us / 1000000;
    int64_t audit_removed = 0;
    int64_t licenses_removed = 0;
    pool_.run([&](Connection &c) {
        audit_removed = static_cast<int64_t>(
            store::prune_audit(c, now_us - config_.audit_retention_days * 86400LL * 1000000LL));
        store::prune_changes(c, now_us - config_.change_log_retention_hours * 3600LL * 1000000LL);
    });
    // Erased owners' licenses whose accounting retention ended; in pages, each its own transaction.
    for (;;) {
        std::vector<LicenseRecord> due =
            pool_.run([&](Connection &c) { return store::licenses_retained_before(c, now, 500); });
        if (due.empty()) break;
        for (const LicenseRecord &l : due) {
            pool_.transaction([&](Connection &c) {
                store::delete_license(c, l.id);
                store::record_change(c, l.id, l.key_hash, now_us);
            });
            changed(l.key_hash);
            ++licenses_removed;
        }
    }
    return {{"license audit", "removed", audit_removed}, {"license", "removed", licenses_removed}};
}

} // namespace plinth::licenses
