// licenses/service/licensing.hpp — the licenses module's behaviour, composed from the pure
// domain rules, the SQL store and the check cache. Knows nothing of the C ABI or of JSON
// commands (module.cpp translates); callers pass an Actor for the audit.
//
// Threads: every public member is [thread-safe]. One background thread polls the change log
// (license_changes) so that changes made by other host processes evict cached verdicts within
// cache.staleness_ms; it has its own connection so that its statements never count against the
// check path's.
#pragma once

#include "domain/key.hpp"
#include "domain/lifecycle.hpp"
#include "domain/site.hpp"
#include "domain/snapshot.hpp"
#include "domain/verdict.hpp"
#include "service/check_cache.hpp"
#include "store/license_store.hpp"

#include <plinth/sdk/db.hpp>
#include <plinth/sdk/module.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <plinth/sdk/thread_annotations.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace plinth::licenses {

struct LicensingConfig {
    bool cache_enabled = true;
    int64_t staleness_ms = 1000;       // bound on how long another process's change may go unseen
    int64_t cache_max_entries = 1 << 20; // 128-512 bytes each
    int64_t cache_shards = 64;
    int64_t gap_wait_ms = 10000;        // how long an unseen change-log id is waited for
    int64_t signed_ttl_s = 86400;       // a signed verdict's life (capped by expiry)
    int64_t audit_retention_days = 730;
    int64_t accounting_retention_years = 10;
    int64_t change_log_retention_hours = 24;

    // Reads the module's configuration section; unknown members are ignored, known ones with a
    // wrong type or range are refused with a message naming them.
    static LicensingConfig from_json(const boost::json::object &config);
};

struct LicensingKeys {
    std::array<uint8_t, 16> lookup{};       // SipHash-2-4 key for key_hash
    std::array<uint8_t, 32> encryption{};   // XChaCha20-Poly1305 key for key_ciphertext
    std::array<uint8_t, 32> signing_seed{}; // Ed25519 seed for signed verdicts
};

struct SignedVerdict {
    Verdict verdict;
    std::string payload;    // the exact signed bytes (canonical JSON)
    std::string signature;  // Ed25519, base64
    int64_t valid_until = 0;
};

// A license named either by its key (anyone holding it) or by its id (owner or staff).
struct LicenseLocator {
    std::optional<std::string> key;
    std::optional<int64_t> id;
};

struct IssuedLicense {
    LicenseRecord license;
    std::string key; // formatted; shown once here and on request to the owner or staff
};

struct ActivationResult {
    ActivationRecord activation;
    bool created = false;
    LicenseRecord license;
    std::optional<NetworkRecord> network; // under scope network
    bool network_created = false;
    int64_t network_sites = 0; // the network's sites that count against sites_per_network
};

struct DeactivationResult {
    LicenseRecord license;
    std::optional<std::string> network; // the network released whole, if any
    int64_t sites_released = 0;
};

// A network with its sites, as license.get shows it.
struct NetworkView {
    NetworkRecord network;
    std::vector<ActivationRecord> sites;
};

struct LicensingStats {
    uint64_t statements_executed = 0; // by the check/command pool (not the change-log poller)
    uint64_t poller_statements = 0;
    bool cache_enabled = false;
    bool cache_live = false;
    int64_t last_change_id = 0;
    int64_t change_log_gap_ids = 0; // unseen change-log ids the poller still waits for
    CacheStats cache;
};

class Licensing {
public:
    using Clock = std::function<int64_t()>; // Unix microseconds
    using Log = std::function<void(int32_t level, std::string_view message)>;
    // Whether an account exists: nullopt when no account directory is loaded (then any positive
    // id is taken on trust). May throw when the directory fails.
    using AccountExists = std::function<std::optional<bool>(int64_t user_id)>;

    // REQUIRES: sodium_init() has succeeded.
    Licensing(const sdk::Host &db, LicensingConfig config, const LicensingKeys &keys, Clock clock, Log log,
              AccountExists account_exists = {});
    ~Licensing();
    Licensing(const Licensing &) = delete;
    Licensing &operator=(const Licensing &) = delete;

    sdk::db::Database &pool() { return pool_; }
    const LicensingConfig &config() const { return config_; }

    // Call after the schema was migrated: takes the change-log baseline now, so the cache serves
    // checks from the next call on.
    void schema_ready();

    // ---- the hot path ----
    // Decides a check. `network` is the URL of the multisite network the site reports (its main
    // site), empty when none. No database write ever; a read only on a cache miss (or always with
    // the cache disabled). Steady state: no allocation. Throws only when the database is needed
    // and fails.
    void check(std::string_view key, std::string_view site, std::string_view network, std::string_view product,
               Verdict &out);
    void check(std::string_view key, std::string_view site, std::string_view product, Verdict &out) {
        check(key, site, {}, product, out);
    }
    // The same check answered from memory only (for threads that must not wait): false, with
    // `out` untouched, when the answer needs the database. Never throws for a database problem.
    bool check_cached(std::string_view key, std::string_view site, std::string_view network, std::string_view product,
                      Verdict &out);
    SignedVerdict check_signed(std::string_view key, std::string_view site, std::string_view network,
                               std::string_view product, std::string_view challenge);
    // The canonical form of network `network_id` of the license with `key` (to name it in a JSON
    // verdict); from the cache when it holds the license. nullopt when there is none.
    std::optional<std::string> network_name(std::string_view key, int64_t network_id);
    // Ed25519 public key (32 bytes).
    const std::array<uint8_t, 32> &public_key() const { return public_key_; }

    // ---- catalogue ----
    ProductRecord create_product(std::string_view slug, std::string_view name, const Actor &actor);
    std::vector<ProductRecord> products();
    std::optional<ProductRecord> product_by_slug(std::string_view slug);
    PolicyRecord create_policy(PolicyRecord policy, const Actor &actor);
    std::vector<PolicyRecord> policies(std::optional<int64_t> product_id);
    std::string product_slug(int64_t product_id);

    // ---- licenses ----
    // Refuses (not_found) a user_id that the account directory says does not exist.
    IssuedLicense issue(int64_t user_id, int64_t policy_id, const Actor &actor);
    LicenseRecord change_status(int64_t id, LicenseAction action, const Actor &actor);
    // Exactly one of days / until.
    LicenseRecord renew(int64_t id, std::optional<int64_t> days, std::optional<int64_t> until, const Actor &actor);
    std::optional<LicenseRecord> license(int64_t id);
    // ---- who may see what (service/visibility.cpp) ----
    // License `id` when `actor` may see it (its owner, or staff); otherwise it does not exist for
    // them (PLINTH_E_NOT_FOUND), so customers cannot probe ids.
    LicenseRecord visible_license(const Actor &actor, int64_t id);
    // A locator naming a license by id must name one the actor may see; a key is its own proof.
    void require_visible(const Actor &actor, const LicenseLocator &locator);
    // Customers list their own licenses only (PLINTH_E_PERMISSION_DENIED for another user_id);
    // staff list anyone's, or all.
    std::vector<LicenseRecord> visible_licenses(const Actor &actor, std::optional<int64_t> user_id, int64_t after_id,
                                                int64_t limit);
    // The audit of one visible license, or (staff only) the whole audit.
    std::vector<AuditRecord> visible_audit(const Actor &actor, std::optional<int64_t> license_id, int64_t before_id,
                                           int64_t limit);
    std::optional<LicenseRecord> license_by_key(std::string_view key); // throws on a malformed key
    std::vector<LicenseRecord> licenses(std::optional<int64_t> user_id, int64_t after_id, int64_t limit);
    std::vector<ActivationRecord> activations(int64_t license_id);
    std::vector<NetworkView> networks(int64_t license_id);
    // The formatted key, decrypted (authenticated against the license id).
    std::string reveal_key(const LicenseRecord &license);

    // ---- activations ----
    // Activates a site. Under scope network the site joins the network `network_url` names (its
    // main site; the site itself when empty), which is activated first when new: a network takes a
    // seat, its sites take none but count against sites_per_network. A network URL is ignored
    // under scope site.
    ActivationResult activate(const LicenseLocator &locator, std::string_view site_url, std::string_view network_url,
                              const Actor &actor);
    ActivationResult activate(const LicenseLocator &locator, std::string_view site_url, const Actor &actor) {
        return activate(locator, site_url, {}, actor);
    }
    // Deactivates a site (`site_url`), a network with all its sites (`network_url` alone, or the
    // network's main site), or a site of a named network (both). URLs or canonical forms.
    DeactivationResult deactivate(const LicenseLocator &locator, std::string_view site_url,
                                  std::string_view network_url, const Actor &actor);

    // ---- audit, personal data, retention ----
    std::vector<AuditRecord> audit(std::optional<int64_t> license_id, int64_t before_id, int64_t limit);
    void export_subject(int64_t user_id,
                        const std::function<void(std::string_view category, const boost::json::object &)> &item);
    std::vector<sdk::ErasureOutcome> erase_subject(int64_t user_id, bool dry_run, const Actor &actor);
    std::vector<sdk::RetentionCount> sweep(int64_t now_us);

    LicensingStats stats();
    int64_t now_s() const { return clock_() / 1000000; }

private:
    KeyHash hash_key(std::string_view normal_key) const noexcept;
    // `keep`, when given, receives the snapshot the verdict was decided on.
    // The site and the network a check reported, canonicalised (allocates: never on a cache hit).
    struct Spelling {
        bool valid = false; // the site, and the network when one was reported
        bool local_or_staging = false;
        std::string site;
        std::string network; // empty when none was reported
    };
    static Spelling canonical_spelling(std::string_view site, std::string_view network);
    // False (nothing done) when the answer needs the database and `may_wait` is false.
    bool check_impl(std::string_view key, std::string_view site, std::string_view network, std::string_view product,
                    Verdict &out, LicenseSnapshot *keep, bool may_wait = true);
    void finish(const LicenseSnapshot &snapshot, const SiteFacts &site, std::string_view product, Verdict &out,
                LicenseSnapshot *keep) const;
    void check_uncached(const KeyHash &hash, std::string_view site, std::string_view network, std::string_view product,
                        Verdict &out, LicenseSnapshot *keep);
    void fill_and_check(const KeyHash &hash, uint64_t epoch, std::string_view site, std::string_view network,
                        const SiteHash &site_hash, std::string_view product, Verdict &out, LicenseSnapshot *keep);
    // The raw site string, with the reported network's when there is one: what the cache
    // remembers a spelling by.
    SiteHash hash_site(std::string_view site, std::string_view network) const noexcept;
    // Product slugs live here for the service's whole life, so snapshots can view them.
    std::string_view intern_product(const std::string &slug);
    // The slug of a product id, from memory after the first read.
    std::string_view product_view(int64_t product_id);
    struct Target {
        std::optional<KeyHash> hash;
        std::optional<int64_t> id;
    };
    Target resolve(const LicenseLocator &locator) const; // throws on a malformed key
    static LicenseRecord locked(sdk::db::Connection &c, const Target &target);
    // Scope network (service/networks.cpp). REQUIRES: inside the transaction that locked `l`.
    ActivationResult join_network(sdk::db::Connection &c, const LicenseRecord &l, const Site &site,
                                  const Site &network, const Actor &actor, int64_t now);
    DeactivationResult leave_network(sdk::db::Connection &c, const LicenseRecord &l, const Site *site,
                                     const Site *network, const Actor &actor, int64_t at_us);
    // The most specific activated network of the license whose main site, subdomain or
    // subdirectory `site` is; nullopt when none.
    static std::optional<Site> containing_network(sdk::db::Connection &c, int64_t license_id, const Site &site);
    std::string seal_key(const NormalKey &key, int64_t license_id) const;
    void changed(const KeyHash &hash) { cache_.invalidate(hash); }

    void poll_loop() PLINTH_EXCLUDES(poll_mutex_);
    bool poll_once() PLINTH_REQUIRES(poll_mutex_); // true on success
    void baseline(sdk::db::Connection &c) PLINTH_REQUIRES(poll_mutex_);

    LicensingConfig config_;
    LicensingKeys keys_;
    std::array<uint8_t, 32> public_key_{};
    std::array<uint8_t, 64> secret_key_{};
    std::array<uint8_t, 16> site_hash_key_{}; // random per instance: site hashes never leave memory
    Clock clock_;
    Log log_;
    AccountExists account_exists_;
    sdk::db::Database pool_;
    sdk::db::Database poll_pool_;
    CheckCache cache_;

    sdk::Mutex interned_mutex_;
    // Nodes never move: views stay valid.
    std::unordered_set<std::string> interned_products_ PLINTH_GUARDED_BY(interned_mutex_);
    sdk::Mutex products_mutex_;
    std::unordered_map<int64_t, std::string_view> product_views_ PLINTH_GUARDED_BY(products_mutex_); // into interned_products_

    // Change-log polling state. The poller thread holds poll_mutex_ for a whole poll (its
    // connection, poll_pool_, is used under it too) and releases it only while it sleeps.
    sdk::Mutex poll_mutex_;
    std::condition_variable poll_cv_;
    bool stopping_ PLINTH_GUARDED_BY(poll_mutex_) = false;
    bool have_baseline_ PLINTH_GUARDED_BY(poll_mutex_) = false;
    int64_t last_change_id_ PLINTH_GUARDED_BY(poll_mutex_) = 0;
    // Unseen ids below last_change_id_, as ranges: first id -> last id and when it was first missed.
    struct Gap {
        int64_t last;
        std::chrono::steady_clock::time_point since;
    };
    std::map<int64_t, Gap> gaps_ PLINTH_GUARDED_BY(poll_mutex_);
    std::chrono::steady_clock::time_point last_poll_ok_ PLINTH_GUARDED_BY(poll_mutex_){};
    bool poll_failing_ PLINTH_GUARDED_BY(poll_mutex_) = false;
    std::atomic<bool> cache_live_{false};
    std::atomic<int64_t> published_change_id_{0};
    std::atomic<int64_t> published_gap_ids_{0};
    std::thread poller_;
};

} // namespace plinth::licenses
