#include "service/licensing.hpp"

#include <plinth/base.h>
#include <plinth/sdk/config.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/services/log.h>

#include <boost/json.hpp>

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace plinth::licenses {

using sdk::db::Connection;

namespace {

// ---- configuration ----

std::string detail(const boost::json::object &o) { return boost::json::serialize(o); }

std::string_view action_name(LicenseAction a) {
    switch (a) {
    case LicenseAction::suspend: return "license.suspended";
    case LicenseAction::reinstate: return "license.reinstated";
    case LicenseAction::revoke: return "license.revoked";
    }
    return "license.changed";
}

std::string transition_refusal(int64_t id, LicenseStatus from, LicenseAction action) {
    std::string license = "license " + std::to_string(id);
    if (from == LicenseStatus::revoked) {
        if (action == LicenseAction::revoke) return license + " is already revoked";
        return license + " is revoked; revocation is final";
    }
    if (action == LicenseAction::suspend) return license + " is already suspended";
    return license + " is not suspended";
}

} // namespace

LicensingConfig LicensingConfig::from_json(const boost::json::object &config) {
    LicensingConfig c;
    const sdk::Config root = sdk::Config::module("licenses", config, {"cache", "signing", "retention"});
    const sdk::Config cache = root.section("cache", {"enabled", "staleness_ms", "max_entries", "shards", "gap_wait_ms"});
    c.cache_enabled = cache.boolean("enabled", c.cache_enabled);
    c.staleness_ms = cache.integer("staleness_ms", c.staleness_ms, 10, 3600 * 1000);
    c.cache_max_entries = cache.integer("max_entries", c.cache_max_entries, 1, int64_t{1} << 26);
    c.cache_shards = cache.integer("shards", c.cache_shards, 1, 4096);
    c.gap_wait_ms = cache.integer("gap_wait_ms", c.gap_wait_ms, 100, 3600 * 1000);
    const sdk::Config signing = root.section("signing", {"ttl_s"});
    c.signed_ttl_s = signing.integer("ttl_s", c.signed_ttl_s, 1, 365 * 86400);
    const sdk::Config retention = root.section("retention", {"audit_days", "accounting_years", "change_log_hours"});
    c.audit_retention_days = retention.integer("audit_days", c.audit_retention_days, 1, 36500);
    c.accounting_retention_years = retention.integer("accounting_years", c.accounting_retention_years, 0, 100);
    c.change_log_retention_hours = retention.integer("change_log_hours", c.change_log_retention_hours, 1, 24 * 365);
    return c;
}

Licensing::Licensing(const sdk::Host &db, LicensingConfig config, const LicensingKeys &keys, Clock clock,
                     Log log, AccountExists account_exists)
    : config_(config),
      keys_(keys),
      clock_(std::move(clock)),
      log_(std::move(log)),
      account_exists_(std::move(account_exists)),
      pool_(db),
      poll_pool_(db),
      cache_(static_cast<size_t>(config.cache_max_entries), static_cast<size_t>(config.cache_shards)) {
    crypto_sign_seed_keypair(public_key_.data(), secret_key_.data(), keys_.signing_seed.data());
    randombytes_buf(site_hash_key_.data(), site_hash_key_.size());
    if (config_.cache_enabled) poller_ = std::thread([this] { poll_loop(); });
}

Licensing::~Licensing() {
    {
        sdk::MutexLock lock(poll_mutex_);
        stopping_ = true;
    }
    poll_cv_.notify_all();
    if (poller_.joinable()) poller_.join();
    sodium_memzero(secret_key_.data(), secret_key_.size());
    sodium_memzero(site_hash_key_.data(), site_hash_key_.size());
    sodium_memzero(&keys_, sizeof keys_);
}

// ---- catalogue ----

ProductRecord Licensing::create_product(std::string_view slug, std::string_view name, const Actor &actor) {
    int64_t now = now_s();
    try {
        return pool_.transaction([&](Connection &c) {
            int64_t id = store::insert_product(c, slug, name, now);
            store::append_audit(c, clock_(), std::nullopt, "product.created", actor, std::nullopt,
                                detail({{"product_id", id}, {"slug", slug}}));
            return ProductRecord{id, std::string(slug), std::string(name), now};
        });
    } catch (const sdk::db::DbError &e) {
        if (e.duplicate_key()) throw sdk::conflict("a product with slug '" + std::string(slug) + "' already exists");
        throw;
    }
}

std::vector<ProductRecord> Licensing::products() {
    return pool_.run([](Connection &c) { return store::products(c); });
}

std::optional<ProductRecord> Licensing::product_by_slug(std::string_view slug) {
    return pool_.run([&](Connection &c) { return store::product_by_slug(c, slug); });
}

std::string_view Licensing::product_view(int64_t product_id) {
    {
        sdk::MutexLock lock(products_mutex_);
        if (auto it = product_views_.find(product_id); it != product_views_.end()) return it->second;
    }
    // Products are never renamed or deleted, so a slug once read stays right.
    auto p = pool_.run([&](Connection &c) { return store::product(c, product_id); });
    if (!p) return {};
    std::string_view view = intern_product(p->slug);
    sdk::MutexLock lock(products_mutex_);
    product_views_.emplace(product_id, view);
    return view;
}

std::string Licensing::product_slug(int64_t product_id) { return std::string(product_view(product_id)); }

PolicyRecord Licensing::create_policy(PolicyRecord policy, const Actor &actor) {
    policy.created_at = now_s();
    try {
        return pool_.transaction([&](Connection &c) {
            if (!store::product(c, policy.product_id))
                throw sdk::not_found("no product with id " + std::to_string(policy.product_id));
            PolicyRecord p = policy;
            p.id = store::insert_policy(c, p);
            store::append_audit(c, clock_(), std::nullopt, "policy.created", actor, std::nullopt,
                                detail({{"policy_id", p.id}, {"product_id", p.product_id}}));
            return p;
        });
    } catch (const sdk::db::DbError &e) {
        if (e.duplicate_key()) throw sdk::conflict("this product already has a policy named '" + policy.name + "'");
        throw;
    }
}

std::vector<PolicyRecord> Licensing::policies(std::optional<int64_t> product_id) {
    return pool_.run([&](Connection &c) { return store::policies(c, product_id); });
}

// ---- licenses ----

std::string Licensing::seal_key(const NormalKey &key, int64_t license_id) const {
    std::array<uint8_t, 8> ad{};
    for (int i = 0; i < 8; ++i) ad[i] = static_cast<uint8_t>(static_cast<uint64_t>(license_id) >> (8 * i));
    std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + kKeySymbols +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    '\0');
    auto *bytes = reinterpret_cast<unsigned char *>(out.data());
    randombytes_buf(bytes, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(bytes + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
                                               reinterpret_cast<const unsigned char *>(key.symbols.data()),
                                               key.symbols.size(), ad.data(), ad.size(), nullptr, bytes,
                                               keys_.encryption.data());
    return out;
}

std::string Licensing::reveal_key(const LicenseRecord &license) {
    const std::string &sealed = license.key_ciphertext;
    constexpr size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (sealed.size() != nonce + kKeySymbols + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        throw sdk::Error(PLINTH_E_INTERNAL, "stored key of license " + std::to_string(license.id) + " is damaged");
    std::array<uint8_t, 8> ad{};
    for (int i = 0; i < 8; ++i) ad[i] = static_cast<uint8_t>(static_cast<uint64_t>(license.id) >> (8 * i));
    NormalKey key;
    unsigned long long written = 0;
    const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char *>(key.symbols.data()), &written,
                                                   nullptr, bytes + nonce, sealed.size() - nonce, ad.data(),
                                                   ad.size(), bytes, keys_.encryption.data()) != 0 ||
        written != kKeySymbols)
        throw sdk::Error(PLINTH_E_INTERNAL, "stored key of license " + std::to_string(license.id) +
                                                " failed authentication (wrong encryption key?)");
    std::string text = format_key(key);
    sodium_memzero(key.symbols.data(), key.symbols.size());
    return text;
}

IssuedLicense Licensing::issue(int64_t user_id, int64_t policy_id, const Actor &actor) {
    if (user_id <= 0) throw sdk::invalid_argument("user_id must be a positive account id");
    // Asked before the transaction: the account lives in another module's tables, so an erasure
    // of the account running at this very moment is not excluded (the privacy module's erasure
    // of that subject, run again, removes what it missed).
    if (account_exists_) {
        std::optional<bool> exists = account_exists_(user_id);
        if (exists && !*exists) throw sdk::not_found("no account with user_id " + std::to_string(user_id));
    }
    int64_t now = now_s();
    for (int attempt = 1;; ++attempt) {
        NormalKey key = generate_key();
        KeyHash hash = hash_key(key.view());
        try {
            LicenseRecord record = pool_.transaction([&](Connection &c) {
                std::optional<PolicyRecord> p = store::policy(c, policy_id);
                if (!p) throw sdk::not_found("no policy with id " + std::to_string(policy_id));
                NewLicense l;
                l.key_hash = hash;
                l.user_id = user_id;
                l.product_id = p->product_id;
                l.policy_id = p->id;
                l.seat_limit = p->seat_limit;
                l.grace_days = p->grace_days;
                l.staging_exempt = p->staging_exempt;
                l.scope = p->scope;
                l.sites_per_network = p->sites_per_network;
                l.issued_at = now;
                l.expires_at = expiry_at_issue(now, p->duration_days, p->expires_at);
                if (l.expires_at != 0 && l.expires_at <= now)
                    throw sdk::conflict("policy " + std::to_string(policy_id) + " has a fixed expiry date that has passed");
                int64_t id = store::insert_license(c, l, now);
                store::set_key_ciphertext(c, id, seal_key(key, id));
                int64_t at = clock_();
                store::append_audit(c, at, id, "license.issued", actor, std::nullopt,
                                    detail({{"policy_id", l.policy_id}, {"expires_at", l.expires_at}}));
                store::record_change(c, id, hash, at);
                std::optional<LicenseRecord> stored = store::license(c, id);
                if (!stored) throw sdk::Error(PLINTH_E_INTERNAL, "issued license vanished");
                return *stored;
            });
            changed(hash); // a negative entry may exist for this key
            IssuedLicense issued{std::move(record), format_key(key)};
            sodium_memzero(key.symbols.data(), key.symbols.size());
            return issued;
        } catch (const sdk::db::DbError &e) {
            // Two 130-bit keys colliding is not expected in practice; retry rather than fail.
            if (!e.duplicate_key() || attempt >= 3) throw;
        }
    }
}

LicenseRecord Licensing::change_status(int64_t id, LicenseAction action, const Actor &actor) {
    LicenseRecord out = pool_.transaction([&](Connection &c) {
        std::optional<LicenseRecord> l = store::lock_license(c, id);
        if (!l) throw sdk::not_found("no license with id " + std::to_string(id));
        std::optional<LicenseStatus> next = after(l->status, action);
        if (!next) throw sdk::conflict(transition_refusal(id, l->status, action));
        int64_t now = now_s();
        int64_t at = clock_();
        store::update_license_state(c, id, *next, l->expires_at, now);
        store::append_audit(c, at, id, action_name(action), actor, std::nullopt,
                            detail({{"from", status_name(l->status)}, {"to", status_name(*next)}}));
        store::record_change(c, id, l->key_hash, at);
        l->status = *next;
        l->updated_at = now;
        return *l;
    });
    changed(out.key_hash);
    return out;
}

LicenseRecord Licensing::renew(int64_t id, std::optional<int64_t> days, std::optional<int64_t> until,
                               const Actor &actor) {
    if (days.has_value() == until.has_value()) throw sdk::invalid_argument("give exactly one of 'days' and 'until'");
    LicenseRecord out = pool_.transaction([&](Connection &c) {
        std::optional<LicenseRecord> l = store::lock_license(c, id);
        if (!l) throw sdk::not_found("no license with id " + std::to_string(id));
        if (l->status == LicenseStatus::revoked) throw sdk::conflict("license " + std::to_string(id) + " is revoked");
        if (l->expires_at == 0) throw sdk::conflict("license " + std::to_string(id) + " never expires");
        int64_t now = now_s();
        int64_t next = 0;
        if (days) {
            next = renewed_expiry(l->expires_at, now, *days);
        } else {
            if (*until <= std::max(l->expires_at, now))
                throw sdk::invalid_argument("'until' must be later than both now and the current expiry");
            next = *until;
        }
        int64_t at = clock_();
        store::update_license_state(c, id, l->status, next, now);
        store::append_audit(c, at, id, "license.renewed", actor, std::nullopt,
                            detail({{"from", l->expires_at}, {"to", next}}));
        store::record_change(c, id, l->key_hash, at);
        l->expires_at = next;
        l->updated_at = now;
        return *l;
    });
    changed(out.key_hash);
    return out;
}

std::optional<LicenseRecord> Licensing::license(int64_t id) {
    return pool_.run([&](Connection &c) { return store::license(c, id); });
}

std::optional<LicenseRecord> Licensing::license_by_key(std::string_view key) {
    NormalKey normal;
    if (!normalise_key(key, normal)) throw sdk::invalid_argument("malformed license key (check for typos)");
    KeyHash hash = hash_key(normal.view());
    return pool_.run([&](Connection &c) { return store::license_by_hash(c, hash); });
}

std::vector<LicenseRecord> Licensing::licenses(std::optional<int64_t> user_id, int64_t after_id, int64_t limit) {
    return pool_.run([&](Connection &c) { return store::licenses(c, user_id, after_id, limit); });
}

std::vector<ActivationRecord> Licensing::activations(int64_t license_id) {
    return pool_.run([&](Connection &c) { return store::activations(c, license_id); });
}

// ---- activations ----

Licensing::Target Licensing::resolve(const LicenseLocator &locator) const {
    Target t;
    if (locator.key.has_value() == locator.id.has_value())
        throw sdk::invalid_argument("give exactly one of 'key' and 'license_id'");
    if (locator.key) {
        NormalKey normal;
        if (!normalise_key(*locator.key, normal)) throw sdk::invalid_argument("malformed license key (check for typos)");
        t.hash = hash_key(normal.view());
    } else {
        t.id = locator.id;
    }
    return t;
}

namespace {

// No license matched a write's locking read on this node. Caught by until_applied_here, which
// retries once; anywhere else it is the not_found it derives from.
struct LicenseNotSeenHere : sdk::Error {
    explicit LicenseNotSeenHere(const std::string &message) : sdk::Error(PLINTH_E_NOT_FOUND, message) {}
};

// Runs a write that starts by locking a license. On Galera a license issued through another node a
// moment ago may not be applied on this node yet, and a causal read cannot help inside a
// transaction (the node waits only before a transaction's first statement). So a write that found
// no license waits once, outside it, until this node has applied everything the cluster committed
// (wsrep_sync_wait), and runs again: only that rare path pays for the wait, and off Galera it
// costs one more lookup.
template <class Write>
auto until_applied_here(sdk::db::Database &pool, Write &&write) {
    try {
        return write();
    } catch (const LicenseNotSeenHere &) {
        pool.run([](Connection &c) {
            sdk::db::CausalReads causal(c);
            c.query("SELECT COUNT(*) FROM licenses WHERE id = 0");
        });
    }
    try {
        return write();
    } catch (const LicenseNotSeenHere &e) {
        throw sdk::not_found(e.what());
    }
}

} // namespace

LicenseRecord Licensing::locked(Connection &c, const Target &target) {
    std::optional<LicenseRecord> l = target.hash ? store::lock_license_by_hash(c, *target.hash)
                                                 : store::lock_license(c, *target.id);
    if (!l)
        throw LicenseNotSeenHere(target.hash ? "no license has this key" : "no license with id " + std::to_string(*target.id));
    return *l;
}

ActivationResult Licensing::activate(const LicenseLocator &locator, std::string_view site_url,
                                    std::string_view network_url, const Actor &actor) {
    Target target = resolve(locator);
    SiteResult sr = canonical_site(site_url);
    if (!sr.ok) throw sdk::invalid_argument(sr.error);
    std::optional<Site> reported_network;
    if (!network_url.empty()) {
        SiteResult nr = canonical_site(network_url);
        if (!nr.ok) throw sdk::invalid_argument("network: " + nr.error);
        reported_network = std::move(nr.site);
    }
    const Site &site = sr.site;
    ActivationResult result = until_applied_here(pool_, [&] { return pool_.transaction([&](Connection &c) {
        // The row lock serialises every activation of this license, so the seat count read below
        // cannot change before the insert commits: the limit holds under any concurrency.
        LicenseRecord l = locked(c, target);
        int64_t now = now_s();
        std::string_view refusal = activation_refusal(l.status, l.expires_at, grace_end(l.expires_at, l.grace_days), now);
        if (!refusal.empty()) {
            if (l.status == LicenseStatus::active) throw sdk::expired(std::string(refusal));
            throw sdk::conflict(std::string(refusal));
        }
        if (l.scope == LicenseScope::network) {
            if (reported_network) return join_network(c, l, site, *reported_network, actor, now);
            // A site that reports no network (an unmodified updater) joins the activated network
            // that contains it, or else is the main site of its own (a single install).
            std::optional<Site> containing = containing_network(c, l.id, site);
            return join_network(c, l, site, containing ? *containing : site, actor, now);
        }
        ActivationResult r;
        r.license = l;
        if (std::optional<ActivationRecord> existing = store::activation(c, l.id, site.canonical)) {
            r.activation = *existing;
            return r;
        }
        bool exempt = site.exempt && l.staging_exempt;
        int64_t used = store::count_seats(c, l.id);
        if (!exempt && !seat_available(l.seat_limit, used))
            throw sdk::limit_exceeded("all " + std::to_string(l.seat_limit) + " seats of this license are in use; "
                                      "deactivate a site first");
        int64_t at = clock_();
        int64_t activation_id = store::insert_activation(c, l.id, site.canonical, exempt, now);
        int64_t seats = store::refresh_activation_summary(c, l.id, l.scope, now);
        store::append_audit(c, at, l.id, "activation.created", actor, site.canonical,
                            detail({{"activation_id", activation_id}, {"exempt", exempt}}));
        store::record_change(c, l.id, l.key_hash, at);
        r.license.seats_used = static_cast<int32_t>(seats);
        r.license.updated_at = now;
        r.activation = ActivationRecord{activation_id, l.id, site.canonical, exempt, now, std::nullopt, Coverage::site};
        r.created = true;
        return r;
    }); });
    if (result.created || result.network_created) changed(result.license.key_hash);
    return result;
}

DeactivationResult Licensing::deactivate(const LicenseLocator &locator, std::string_view site_url,
                                         std::string_view network_url, const Actor &actor) {
    Target target = resolve(locator);
    if (site_url.empty() && network_url.empty()) throw sdk::invalid_argument("give 'site', 'network' or both");
    // Sites and networks may be named as license.get lists them ("example.com/shop") or by URL.
    std::optional<Site> site, network;
    if (!site_url.empty()) {
        SiteResult sr = canonical_site_or_form(site_url);
        if (!sr.ok) throw sdk::invalid_argument(sr.error);
        site = std::move(sr.site);
    }
    if (!network_url.empty()) {
        SiteResult nr = canonical_site_or_form(network_url);
        if (!nr.ok) throw sdk::invalid_argument("network: " + nr.error);
        network = std::move(nr.site);
    }
    DeactivationResult out = until_applied_here(pool_, [&] { return pool_.transaction([&](Connection &c) {
        LicenseRecord l = locked(c, target);
        int64_t now = now_s();
        int64_t at = clock_();
        DeactivationResult r;
        if (l.scope == LicenseScope::network) {
            r = leave_network(c, l, site ? &*site : nullptr, network ? &*network : nullptr, actor, at);
        } else {
            if (!site) throw sdk::invalid_argument("this license counts single sites: give 'site'");
            if (!store::delete_activation(c, l.id, site->canonical))
                throw sdk::not_found("site " + site->canonical + " is not activated on this license");
            store::append_audit(c, at, l.id, "activation.removed", actor, site->canonical, "{}");
            r.sites_released = 1;
        }
        int64_t seats = store::refresh_activation_summary(c, l.id, l.scope, now);
        store::record_change(c, l.id, l.key_hash, at);
        l.seats_used = static_cast<int32_t>(seats);
        l.updated_at = now;
        r.license = l;
        return r;
    }); });
    changed(out.license.key_hash);
    return out;
}

LicensingStats Licensing::stats() {
    LicensingStats s;
    s.statements_executed = pool_.statements_executed();
    s.poller_statements = poll_pool_.statements_executed();
    s.cache_enabled = config_.cache_enabled;
    s.cache_live = cache_live_.load();
    s.last_change_id = published_change_id_.load(std::memory_order_relaxed);
    s.change_log_gap_ids = published_gap_ids_.load(std::memory_order_relaxed);
    s.cache = cache_.stats();
    return s;
}

} // namespace plinth::licenses
