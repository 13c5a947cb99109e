// licenses/store/license_store.hpp — every SQL statement of the licenses module.
//
// Methods take the Connection to run on, so the service composes them into transactions
// (Pool::transaction) where a rule spans rows. Prepared statements only; nothing here decides a
// rule.
#pragma once

#include "domain/network.hpp"
#include "domain/snapshot.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::licenses {

// Who made a change, for the audit. user_id is absent for anonymous and system callers.
struct Actor {
    int32_t principal = 0; // plinth_principal
    std::optional<int64_t> user_id;
    bool staff = false; // staff, administrators and the system: may see every license
};

struct ProductRecord {
    int64_t id = 0;
    std::string slug;
    std::string name;
    int64_t created_at = 0;
};

struct PolicyRecord {
    int64_t id = 0;
    int64_t product_id = 0;
    std::string name;
    int32_t seat_limit = 1; // -1: unlimited
    std::optional<int32_t> duration_days;
    std::optional<int64_t> expires_at;
    int32_t grace_days = 0;
    bool staging_exempt = true;
    LicenseScope scope = LicenseScope::site;
    int32_t sites_per_network = -1; // -1: unlimited; meaningful under scope network
    int64_t created_at = 0;
};

struct LicenseRecord {
    int64_t id = 0;
    KeyHash key_hash;
    std::string key_ciphertext;
    std::optional<int64_t> user_id;
    int64_t product_id = 0;
    int64_t policy_id = 0;
    LicenseStatus status = LicenseStatus::active;
    int32_t seat_limit = 0;
    int32_t grace_days = 0;
    bool staging_exempt = false;
    LicenseScope scope = LicenseScope::site;
    int32_t sites_per_network = -1;
    int32_t seats_used = 0; // activated sites, or networks under scope network (not exempt)
    int64_t issued_at = 0;
    int64_t expires_at = 0;
    int64_t updated_at = 0;
    std::optional<int64_t> retained_until;
};

struct NewLicense {
    KeyHash key_hash;
    int64_t user_id = 0;
    int64_t product_id = 0;
    int64_t policy_id = 0;
    int32_t seat_limit = 0;
    int32_t grace_days = 0;
    bool staging_exempt = false;
    LicenseScope scope = LicenseScope::site;
    int32_t sites_per_network = -1;
    int64_t issued_at = 0;
    int64_t expires_at = 0;
};

struct ActivationRecord {
    int64_t id = 0;
    int64_t license_id = 0;
    std::string site;
    bool exempt = false; // takes no seat (site scope) or none of its network's sites (network scope)
    int64_t activated_at = 0;
    std::optional<int64_t> network_id; // under scope network
    Coverage coverage = Coverage::site;
};

// An activated multisite network, named by its main site's canonical form.
struct NetworkRecord {
    int64_t id = 0;
    int64_t license_id = 0;
    std::string network;
    bool exempt = false; // takes no seat
    int64_t activated_at = 0;
};

struct AuditRecord {
    int64_t id = 0;
    int64_t at_us = 0;
    std::optional<int64_t> license_id;
    std::string action;
    int32_t actor_principal = 0;
    std::optional<int64_t> actor_user_id;
    std::optional<std::string> site;
    std::string detail; // a JSON object, nothing personal
};

struct ChangeRecord {
    int64_t id = 0;
    KeyHash key_hash;
};

// What an uncached check reads in one statement.
struct CheckRow {
    LicenseSnapshot snapshot; // product not set: see product_id
    int64_t product_id = 0;
    bool site_activated = false; // meaningful under scope site only
    LicenseScope scope = LicenseScope::site;
    int32_t sites_per_network = -1;
};

namespace store {

using sdk::db::Connection;

// ---- products and policies ----
int64_t insert_product(Connection &c, std::string_view slug, std::string_view name, int64_t now_s);
std::vector<ProductRecord> products(Connection &c);
std::optional<ProductRecord> product(Connection &c, int64_t id);
std::optional<ProductRecord> product_by_slug(Connection &c, std::string_view slug);

int64_t insert_policy(Connection &c, const PolicyRecord &p);
std::vector<PolicyRecord> policies(Connection &c, std::optional<int64_t> product_id);
std::optional<PolicyRecord> policy(Connection &c, int64_t id);

// ---- licenses ----
// Inserts with an empty ciphertext (the id is the ciphertext's associated data); call
// set_key_ciphertext() in the same transaction.
int64_t insert_license(Connection &c, const NewLicense &l, int64_t now_s);
void set_key_ciphertext(Connection &c, int64_t id, std::string_view ciphertext);
std::optional<LicenseRecord> license(Connection &c, int64_t id);
std::optional<LicenseRecord> license_by_hash(Connection &c, const KeyHash &hash);
// Locking reads (SELECT ... FOR UPDATE) for changes inside a transaction.
std::optional<LicenseRecord> lock_license(Connection &c, int64_t id);
std::optional<LicenseRecord> lock_license_by_hash(Connection &c, const KeyHash &hash);
// Pages by id; user_id filters to one owner.
std::vector<LicenseRecord> licenses(Connection &c, std::optional<int64_t> user_id, int64_t after_id, int64_t limit);
std::vector<LicenseRecord> licenses_of(Connection &c, int64_t user_id);
void update_license_state(Connection &c, int64_t id, LicenseStatus status, int64_t expires_at, int64_t now_s);
// Rewrites seats_used (activations, or networks under scope network, that are not exempt) and
// activated_sites from license_activations; returns the seats used.
// REQUIRES: the license row is locked (inside the transaction that changed the activations).
int64_t refresh_activation_summary(Connection &c, int64_t id, LicenseScope scope, int64_t now_s);
// Erasure: unlinks the owner (and clears the activation summary: call after
// delete_activations) and records until when the contract record is kept.
void unlink_owner(Connection &c, int64_t id, int64_t retained_until, int64_t now_s);
// Retention: licenses whose retention ended.
std::vector<LicenseRecord> licenses_retained_before(Connection &c, int64_t now_s, int64_t limit);
void delete_license(Connection &c, int64_t id);

// ---- activations ----
std::optional<ActivationRecord> activation(Connection &c, int64_t license_id, std::string_view site);
std::vector<ActivationRecord> activations(Connection &c, int64_t license_id);
int64_t count_seats(Connection &c, int64_t license_id); // non-exempt activations
int64_t insert_activation(Connection &c, int64_t license_id, std::string_view site, bool exempt, int64_t now_s,
                          std::optional<int64_t> network_id = std::nullopt, Coverage coverage = Coverage::site);
bool delete_activation(Connection &c, int64_t license_id, std::string_view site);
// Every activation and network of the license.
uint64_t delete_activations(Connection &c, int64_t license_id);

// ---- networks (scope network) ----
std::optional<NetworkRecord> network(Connection &c, int64_t license_id, std::string_view canonical);
std::optional<NetworkRecord> network_by_id(Connection &c, int64_t network_id);
std::vector<NetworkRecord> networks(Connection &c, int64_t license_id);
int64_t insert_network(Connection &c, int64_t license_id, std::string_view canonical, bool exempt, int64_t now_s);
// Deletes the network and, by cascade, its sites; returns how many sites it had.
int64_t delete_network(Connection &c, int64_t network_id);
int64_t count_networks(Connection &c, int64_t license_id);    // non-exempt networks
int64_t count_network_sites(Connection &c, int64_t network_id); // non-exempt sites of one network
// A network license's activated sites and networks, as a check needs them.
LicenseSites license_sites(Connection &c, int64_t license_id, int32_t sites_per_network);

// ---- checks ----
// The license and all its activated sites, in one single-row statement (for the cache).
std::optional<CacheFill> fetch_for_cache(Connection &c, const KeyHash &hash);
// The license and whether `canonical_site` is activated, in one single-row statement (cache
// disabled).
std::optional<CheckRow> fetch_for_check(Connection &c, const KeyHash &hash, std::string_view canonical_site);

// ---- change log ----
void record_change(Connection &c, int64_t license_id, const KeyHash &hash, int64_t now_us);
int64_t last_change_id(Connection &c);
std::vector<ChangeRecord> changes_after(Connection &c, int64_t after_id, int64_t limit);
std::vector<ChangeRecord> changes_between(Connection &c, int64_t first_id, int64_t last_id);
uint64_t prune_changes(Connection &c, int64_t before_us);

// ---- audit ----
void append_audit(Connection &c, int64_t at_us, std::optional<int64_t> license_id, std::string_view action,
                  const Actor &actor, std::optional<std::string_view> site, std::string_view detail);
std::vector<AuditRecord> audit(Connection &c, std::optional<int64_t> license_id, int64_t before_id, int64_t limit);
std::vector<AuditRecord> audit_of_license(Connection &c, int64_t license_id);
std::vector<AuditRecord> audit_by_actor(Connection &c, int64_t user_id);
// Erasure: clears the personal parts of audit rows (sites on the subject's licenses; the subject
// as actor). Returns rows changed.
uint64_t scrub_audit_sites(Connection &c, int64_t license_id);
uint64_t scrub_audit_actor(Connection &c, int64_t user_id);
uint64_t prune_audit(Connection &c, int64_t before_us);

} // namespace store
} // namespace plinth::licenses
