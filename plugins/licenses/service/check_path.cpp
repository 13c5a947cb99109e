// The check path of Licensing: the hot path (cache hit: no lock, no allocation, no database),
// its misses, and signed verdicts. Split from licensing.cpp, which holds the rest of the class.
#include "service/licensing.hpp"

#include "domain/signed_verdict.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace plinth::licenses {

using sdk::db::Connection;

namespace {

} // namespace

// ---- the hot path ----

KeyHash Licensing::hash_key(std::string_view normal_key) const noexcept {
    uint8_t out[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char *>(normal_key.data()), normal_key.size(),
                                keys_.lookup.data());
    return KeyHash::from_bytes(out);
}

void Licensing::finish(const LicenseSnapshot &s, const SiteFacts &site, std::string_view product, Verdict &out,
                       LicenseSnapshot *keep) const {
    CheckFacts f;
    f.key_wellformed = true;
    f.found = s.found;
    f.status = s.status;
    f.product_matches = product.empty() || product == s.product;
    f.expires_at = s.expires_at;
    f.grace_ends_at = s.grace_ends_at;
    f.site_valid = site.valid;
    f.site_activated = site.activated;
    // The clock is only read when the answer depends on it.
    int64_t now = (s.found && s.expires_at != 0) ? now_s() : 0;
    Decision d = decide(f, now);
    out.code = d.code;
    out.valid = d.valid;
    out.site_exempt = s.found && site.valid && site.local_or_staging && s.staging_exempt;
    out.seat_limit = s.found ? s.seat_limit : 0;
    out.seats_used = s.found ? s.seats_used : 0;
    out.expires_at = s.found ? s.expires_at : 0;
    out.grace_ends_at = s.found ? s.grace_ends_at : 0;
    bool covered = s.found && site.valid && site.activated;
    out.coverage = covered ? site.coverage : Coverage::none;
    out.network_id = covered ? site.network_id : 0;
    if (keep != nullptr) *keep = s;
}

void Licensing::check(std::string_view key, std::string_view site, std::string_view network, std::string_view product,
                      Verdict &out) {
    check_impl(key, site, network, product, out, nullptr);
}

bool Licensing::check_cached(std::string_view key, std::string_view site, std::string_view network,
                             std::string_view product, Verdict &out) {
    Verdict answer;
    if (!check_impl(key, site, network, product, answer, nullptr, false)) return false;
    out = answer;
    return true;
}

Licensing::Spelling Licensing::canonical_spelling(std::string_view site, std::string_view network) {
    Spelling sp;
    SiteResult sr = canonical_site(site);
    if (!sr.ok) return sp;
    if (!network.empty()) {
        SiteResult nr = canonical_site(network);
        if (!nr.ok) return sp;
        sp.network = std::move(nr.site.canonical);
    }
    sp.valid = true;
    sp.local_or_staging = sr.site.exempt;
    sp.site = std::move(sr.site.canonical);
    return sp;
}

bool Licensing::check_impl(std::string_view key, std::string_view site, std::string_view network,
                           std::string_view product, Verdict &out, LicenseSnapshot *keep, bool may_wait) {
    out = Verdict{};
    // The site (and network) are read later; start loading them now, alongside the key.
    if (!site.empty()) __builtin_prefetch(site.data());
    if (!network.empty()) __builtin_prefetch(network.data());
    NormalKey normal;
    if (!normalise_key(key, normal)) {
        out.code = VerdictCode::malformed;
        if (keep != nullptr) *keep = LicenseSnapshot{};
        return true;
    }
    // The normal form is not wiped: the caller's buffer holds the same key for as long as it likes.
    KeyHash hash = hash_key(normal.view());
    if (!config_.cache_enabled || !cache_live_.load(std::memory_order_acquire)) {
        if (!may_wait) return false;
        check_uncached(hash, site, network, product, out, keep);
        return true;
    }
    // The slot's memory is fetched while the site is hashed.
    cache_.prefetch(hash, !network.empty());
    SiteHash site_hash = hash_site(site, network);
    CheckCache::Lookup look;
    for (int attempt = 0;; ++attempt) {
        cache_.find(hash, site_hash, look);
        if (!look.hit) {
            if (!may_wait) return false;
            fill_and_check(hash, look.epoch, site, network, site_hash, product, out, keep);
            return true;
        }
        if (!look.snapshot.found || look.site_known) break;
        // A spelling of the site this entry has not seen: canonicalise once, remember it.
        Spelling sp = canonical_spelling(site, network);
        std::optional<SiteFacts> facts =
            cache_.remember_site(hash, site_hash, sp.valid, sp.local_or_staging, sp.site, sp.network);
        if (facts) {
            look.site = *facts;
            break;
        }
        if (attempt > 0) { // evicted twice in a row
            if (!may_wait) return false;
            check_uncached(hash, site, network, product, out, keep);
            return true;
        }
    }
    finish(look.snapshot, look.site, product, out, keep);
    return true;
}

SiteHash Licensing::hash_site(std::string_view site, std::string_view network) const noexcept {
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, reinterpret_cast<const unsigned char *>(site.data()), site.size(), site_hash_key_.data());
    if (!network.empty()) {
        // Both strings' hashes, hashed again: one word per (site, network) pair, on the stack.
        uint8_t pair[2 * crypto_shorthash_BYTES];
        std::memcpy(pair, out, crypto_shorthash_BYTES);
        crypto_shorthash(pair + crypto_shorthash_BYTES, reinterpret_cast<const unsigned char *>(network.data()),
                         network.size(), site_hash_key_.data());
        crypto_shorthash(out, pair, sizeof pair, site_hash_key_.data());
    }
    SiteHash h;
    std::memcpy(&h.value, out, sizeof h.value);
    return h;
}

std::string_view Licensing::intern_product(const std::string &slug) {
    sdk::MutexLock lock(interned_mutex_);
    return *interned_products_.insert(slug).first;
}

namespace {

SiteFacts facts_for(const LicenseSites &sites, bool valid, bool local_or_staging, std::string_view site,
                    std::string_view network) {
    SiteFacts f{valid, local_or_staging, false, Coverage::none, 0};
    if (!valid) return f;
    CoverageAnswer a = cover(sites, site, network);
    f.activated = a.covered();
    f.coverage = a.coverage;
    f.network_id = a.network_id;
    return f;
}

} // namespace

void Licensing::fill_and_check(const KeyHash &hash, uint64_t epoch, std::string_view site, std::string_view network,
                               const SiteHash &site_hash, std::string_view product, Verdict &out, LicenseSnapshot *keep) {
    std::optional<CacheFill> fill = pool_.run([&](Connection &c) {
        sdk::db::CausalReads causal(c); // on Galera: sees a revocation committed on another node
        return store::fetch_for_cache(c, hash);
    });
    if (!fill) {
        cache_.insert(hash, epoch, LicenseSnapshot{}, {}); // negative entry: this key is unknown
        finish(LicenseSnapshot{}, SiteFacts{}, product, out, keep);
        return;
    }
    fill->snapshot.product = intern_product(fill->product_slug);
    Spelling sp = canonical_spelling(site, network);
    fill->sites.sort();
    SiteFacts facts = facts_for(fill->sites, sp.valid, sp.local_or_staging, sp.site, sp.network);
    LicenseSnapshot snapshot = fill->snapshot;
    cache_.insert(hash, epoch, snapshot, std::move(fill->sites), &site_hash, &facts);
    finish(snapshot, facts, product, out, keep);
}

void Licensing::check_uncached(const KeyHash &hash, std::string_view site, std::string_view network,
                               std::string_view product, Verdict &out, LicenseSnapshot *keep) {
    Spelling sp = canonical_spelling(site, network);
    std::string_view canonical = sp.valid ? std::string_view(sp.site) : std::string_view();
    std::optional<CheckRow> row;
    LicenseSites sites;
    pool_.run([&](Connection &c) {
        sdk::db::CausalReads causal(c); // on Galera: sees a revocation committed on another node
        row = store::fetch_for_check(c, hash, canonical);
        // A network license needs each site's network: read on every uncached check of one.
        if (row && row->scope == LicenseScope::network)
            sites = store::license_sites(c, row->snapshot.license_id, row->sites_per_network);
    });
    if (!row) {
        finish(LicenseSnapshot{}, SiteFacts{}, product, out, keep);
        return;
    }
    row->snapshot.product = product_view(row->product_id);
    SiteFacts facts{sp.valid, sp.valid && sp.local_or_staging, sp.valid && row->site_activated,
                    sp.valid && row->site_activated ? Coverage::site : Coverage::none, 0};
    if (row->scope == LicenseScope::network) facts = facts_for(sites, sp.valid, sp.local_or_staging, sp.site, sp.network);
    finish(row->snapshot, facts, product, out, keep);
}

SignedVerdict Licensing::check_signed(std::string_view key, std::string_view site, std::string_view network,
                                      std::string_view product, std::string_view challenge) {
    if (!challenge.empty() && !valid_challenge(challenge))
        throw sdk::invalid_argument("challenge must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '~', ':' or '-'");
    SignedVerdict sv;
    LicenseSnapshot snapshot;
    check_impl(key, site, network, product, sv.verdict, &snapshot);
    const Verdict &v = sv.verdict;

    SignedVerdictFields f;
    f.verdict = v;
    SiteResult sr = canonical_site(site);
    if (sr.ok) f.site = sr.site.canonical;
    if (v.network_id != 0) {
        std::optional<std::string> name = network_name(key, v.network_id);
        if (!name) f.verdict.network_id = 0; // released meanwhile: the verdict names no network
        else f.network = std::move(*name);
    }
    f.product = std::string(snapshot.product);
    f.challenge = std::string(challenge);
    std::array<uint8_t, 16> nonce{};
    randombytes_buf(nonce.data(), nonce.size());
    f.nonce = sdk::encoding::to_hex(nonce);
    f.issued_at = now_s();
    // A valid verdict never outlives the license's own validity.
    int64_t until = f.issued_at + config_.signed_ttl_s;
    if (v.code == VerdictCode::valid && v.expires_at != 0) until = std::min(until, v.expires_at);
    if (v.code == VerdictCode::expired_in_grace) until = std::min(until, v.grace_ends_at);
    f.valid_until = until;
    sv.valid_until = until;
    sv.payload = verdict_payload(f);

    std::array<uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char *>(sv.payload.data()),
                         sv.payload.size(), secret_key_.data());
    sv.signature = sdk::encoding::to_base64(signature);
    return sv;
}

std::optional<std::string> Licensing::network_name(std::string_view key, int64_t network_id) {
    NormalKey normal;
    if (network_id <= 0 || !normalise_key(key, normal)) return std::nullopt;
    KeyHash hash = hash_key(normal.view());
    if (std::optional<std::string> cached = cache_.network_name(hash, network_id)) return cached;
    return pool_.run([&](Connection &c) -> std::optional<std::string> {
        std::optional<LicenseRecord> l = store::license_by_hash(c, hash);
        std::optional<NetworkRecord> n = store::network_by_id(c, network_id);
        if (!l || !n || n->license_id != l->id) return std::nullopt;
        return n->network;
    });
}

} // namespace plinth::licenses
