#include "store/license_store.hpp"

#include "domain/lifecycle.hpp"

#include <plinth/sdk/error.hpp>

#include <array>

namespace plinth::licenses::store {

using sdk::db::Param;
using sdk::db::Row;
using sdk::db::Rows;

namespace {

// A hash as a BINARY(16) parameter; the buffer must outlive the statement call.
struct HashBytes {
    std::array<uint8_t, 16> bytes{};
    explicit HashBytes(const KeyHash &h) { h.to_bytes(bytes.data()); }
    Param param() const { return Param::bytes(bytes.data(), bytes.size()); }
};

KeyHash hash_from(const std::string &cell) {
    if (cell.size() != 16) throw sdk::Error(PLINTH_E_INTERNAL, "stored key hash has the wrong length");
    return KeyHash::from_bytes(reinterpret_cast<const uint8_t *>(cell.data()));
}

LicenseStatus status_from(const Row &r, size_t i) {
    auto s = status_from_int(r.i64(i));
    if (!s) throw sdk::Error(PLINTH_E_INTERNAL, "stored license status is out of range");
    return *s;
}

ProductRecord product_from(const Row &r) {
    return ProductRecord{r.i64(0), r.str(1), r.str(2), r.i64(3)};
}

constexpr const char *kProductSelect = "SELECT id, slug, name, created_at FROM license_products ";

PolicyRecord policy_from(const Row &r) {
    PolicyRecord p;
    p.id = r.i64(0);
    p.product_id = r.i64(1);
    p.name = r.str(2);
    p.seat_limit = static_cast<int32_t>(r.i64(3));
    if (auto d = r.optional_i64(4)) p.duration_days = static_cast<int32_t>(*d);
    p.expires_at = r.optional_i64(5);
    p.grace_days = static_cast<int32_t>(r.i64(6));
    p.staging_exempt = r.i64(7) != 0;
    p.created_at = r.i64(8);
    p.scope = r.i64(9) == 1 ? LicenseScope::network : LicenseScope::site;
    p.sites_per_network = static_cast<int32_t>(r.i64(10));
    return p;
}

constexpr const char *kPolicySelect =
    "SELECT id, product_id, name, seat_limit, duration_days, expires_at, grace_days, staging_exempt, created_at, "
    "scope, sites_per_network FROM license_policies ";

#define PLINTH_LICENSE_COLUMNS                                                                                 \
    "SELECT id, key_hash, key_ciphertext, user_id, product_id, policy_id, status, seat_limit, grace_days, "     \
    "staging_exempt, seats_used, issued_at, expires_at, updated_at, retained_until, scope, sites_per_network "  \
    "FROM licenses "

LicenseRecord license_from(const Row &r) {
    LicenseRecord l;
    l.id = r.i64(0);
    l.key_hash = hash_from(r.str(1));
    l.key_ciphertext = r.str(2);
    l.user_id = r.optional_i64(3);
    l.product_id = r.i64(4);
    l.policy_id = r.i64(5);
    l.status = status_from(r, 6);
    l.seat_limit = static_cast<int32_t>(r.i64(7));
    l.grace_days = static_cast<int32_t>(r.i64(8));
    l.staging_exempt = r.i64(9) != 0;
    l.seats_used = static_cast<int32_t>(r.i64(10));
    l.issued_at = r.i64(11);
    l.expires_at = r.i64(12);
    l.updated_at = r.i64(13);
    l.retained_until = r.optional_i64(14);
    l.scope = r.i64(15) == 1 ? LicenseScope::network : LicenseScope::site;
    l.sites_per_network = static_cast<int32_t>(r.i64(16));
    return l;
}

std::optional<LicenseRecord> first_license(const Rows &rows) {
    if (rows.empty()) return std::nullopt;
    return license_from(rows.front());
}

Coverage coverage_from(int64_t value) {
    if (value < static_cast<int64_t>(Coverage::site) || value > static_cast<int64_t>(Coverage::mapped))
        throw sdk::Error(PLINTH_E_INTERNAL, "stored activation coverage is out of range");
    return static_cast<Coverage>(value);
}

ActivationRecord activation_from(const Row &r) {
    ActivationRecord a{r.i64(0), r.i64(1), r.str(2), r.i64(3) != 0, r.i64(4), r.optional_i64(5), coverage_from(r.i64(6))};
    return a;
}

constexpr const char *kActivationSelect =
    "SELECT id, license_id, site_canonical, exempt, activated_at, network_id, coverage FROM license_activations ";

NetworkRecord network_from(const Row &r) { return NetworkRecord{r.i64(0), r.i64(1), r.str(2), r.i64(3) != 0, r.i64(4)}; }

constexpr const char *kNetworkSelect =
    "SELECT id, license_id, network_canonical, exempt, activated_at FROM license_networks ";

AuditRecord audit_from(const Row &r) {
    AuditRecord a;
    a.id = r.i64(0);
    a.at_us = r.i64(1);
    a.license_id = r.optional_i64(2);
    a.action = r.str(3);
    a.actor_principal = static_cast<int32_t>(r.i64(4));
    a.actor_user_id = r.optional_i64(5);
    a.site = r.optional_str(6);
    a.detail = r.str(7);
    return a;
}

#define PLINTH_AUDIT_COLUMNS \
    "SELECT id, at_us, license_id, action, actor_principal, actor_user_id, site, detail FROM license_audit "

// Columns 0..6 of both check statements.
void snapshot_from(const Row &r, LicenseSnapshot &s) {
    s.found = true;
    s.license_id = r.i64(0);
    s.status = status_from(r, 1);
    s.expires_at = r.i64(2);
    s.grace_ends_at = grace_end(s.expires_at, static_cast<int32_t>(r.i64(3)));
    s.seat_limit = static_cast<int32_t>(r.i64(4));
    s.seats_used = static_cast<int32_t>(r.i64(5));
    s.staging_exempt = r.i64(6) != 0;
}

} // namespace

// ---- products and policies ----

int64_t insert_product(Connection &c, std::string_view slug, std::string_view name, int64_t now_s) {
    c.execute("INSERT INTO license_products (slug, name, created_at) VALUES (?, ?, ?)", {slug, name, now_s});
    return static_cast<int64_t>(c.last_insert_id());
}

std::vector<ProductRecord> products(Connection &c) {
    std::vector<ProductRecord> out;
    for (const Row &r : c.query(std::string(kProductSelect) + "ORDER BY slug")) out.push_back(product_from(r));
    return out;
}

std::optional<ProductRecord> product(Connection &c, int64_t id) {
    Rows rows = c.query(std::string(kProductSelect) + "WHERE id = ?", {id});
    if (rows.empty()) return std::nullopt;
    return product_from(rows.front());
}

std::optional<ProductRecord> product_by_slug(Connection &c, std::string_view slug) {
    Rows rows = c.query(std::string(kProductSelect) + "WHERE slug = ?", {slug});
    if (rows.empty()) return std::nullopt;
    return product_from(rows.front());
}

int64_t insert_policy(Connection &c, const PolicyRecord &p) {
    std::optional<int64_t> duration;
    if (p.duration_days) duration = *p.duration_days;
    c.execute("INSERT INTO license_policies (product_id, name, seat_limit, duration_days, expires_at, grace_days, "
              "staging_exempt, created_at, scope, sites_per_network) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {p.product_id, p.name, p.seat_limit, duration, p.expires_at, p.grace_days, p.staging_exempt,
               p.created_at, static_cast<int>(p.scope), p.sites_per_network});
    return static_cast<int64_t>(c.last_insert_id());
}

std::vector<PolicyRecord> policies(Connection &c, std::optional<int64_t> product_id) {
    std::vector<PolicyRecord> out;
    Rows rows = product_id ? c.query(std::string(kPolicySelect) + "WHERE product_id = ? ORDER BY id", {*product_id})
                           : c.query(std::string(kPolicySelect) + "ORDER BY id");
    for (const Row &r : rows) out.push_back(policy_from(r));
    return out;
}

std::optional<PolicyRecord> policy(Connection &c, int64_t id) {
    Rows rows = c.query(std::string(kPolicySelect) + "WHERE id = ?", {id});
    if (rows.empty()) return std::nullopt;
    return policy_from(rows.front());
}

// ---- licenses ----

int64_t insert_license(Connection &c, const NewLicense &l, int64_t now_s) {
    HashBytes hash(l.key_hash);
    c.execute("INSERT INTO licenses (key_hash, key_ciphertext, user_id, product_id, policy_id, status, seat_limit, "
              "grace_days, staging_exempt, seats_used, issued_at, expires_at, updated_at, scope, sites_per_network) "
              "VALUES (?, '', ?, ?, ?, 0, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
              {hash.param(), l.user_id, l.product_id, l.policy_id, l.seat_limit, l.grace_days, l.staging_exempt,
               l.issued_at, l.expires_at, now_s, static_cast<int>(l.scope), l.sites_per_network});
    return static_cast<int64_t>(c.last_insert_id());
}

void set_key_ciphertext(Connection &c, int64_t id, std::string_view ciphertext) {
    c.execute("UPDATE licenses SET key_ciphertext = ? WHERE id = ?",
              {Param::bytes(ciphertext.data(), ciphertext.size()), id});
}

std::optional<LicenseRecord> license(Connection &c, int64_t id) {
    return first_license(c.query(PLINTH_LICENSE_COLUMNS "WHERE id = ?", {id}));
}

std::optional<LicenseRecord> license_by_hash(Connection &c, const KeyHash &hash) {
    HashBytes h(hash);
    return first_license(c.query(PLINTH_LICENSE_COLUMNS "WHERE key_hash = ?", {h.param()}));
}

std::optional<LicenseRecord> lock_license(Connection &c, int64_t id) {
    return first_license(c.query(PLINTH_LICENSE_COLUMNS "WHERE id = ? FOR UPDATE", {id}));
}

std::optional<LicenseRecord> lock_license_by_hash(Connection &c, const KeyHash &hash) {
    HashBytes h(hash);
    return first_license(c.query(PLINTH_LICENSE_COLUMNS "WHERE key_hash = ? FOR UPDATE", {h.param()}));
}

std::vector<LicenseRecord> licenses(Connection &c, std::optional<int64_t> user_id, int64_t after_id, int64_t limit) {
    Rows rows = user_id ? c.query(PLINTH_LICENSE_COLUMNS "WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
                                  {*user_id, after_id, limit})
                        : c.query(PLINTH_LICENSE_COLUMNS "WHERE id > ? ORDER BY id LIMIT ?", {after_id, limit});
    std::vector<LicenseRecord> out;
    for (const Row &r : rows) out.push_back(license_from(r));
    return out;
}

std::vector<LicenseRecord> licenses_of(Connection &c, int64_t user_id) {
    std::vector<LicenseRecord> out;
    for (const Row &r : c.query(PLINTH_LICENSE_COLUMNS "WHERE user_id = ? ORDER BY id", {user_id}))
        out.push_back(license_from(r));
    return out;
}

void update_license_state(Connection &c, int64_t id, LicenseStatus status, int64_t expires_at, int64_t now_s) {
    c.execute("UPDATE licenses SET status = ?, expires_at = ?, updated_at = ? WHERE id = ?",
              {static_cast<int>(status), expires_at, now_s, id});
}

int64_t refresh_activation_summary(Connection &c, int64_t id, LicenseScope scope, int64_t now_s) {
    int64_t seats = 0;
    std::string sites = "\n";
    for (const Row &r : c.query("SELECT site_canonical, exempt FROM license_activations WHERE license_id = ? "
                                "ORDER BY site_canonical",
                                {id})) {
        sites += r.str(0);
        sites += '\n';
        seats += r.i64(1) == 0;
    }
    if (scope == LicenseScope::network) seats = count_networks(c, id);
    c.execute("UPDATE licenses SET seats_used = ?, activated_sites = ?, updated_at = ? WHERE id = ?",
              {seats, Param::bytes(sites.data(), sites.size()), now_s, id});
    return seats;
}

void unlink_owner(Connection &c, int64_t id, int64_t retained_until, int64_t now_s) {
    c.execute("UPDATE licenses SET user_id = NULL, retained_until = ?, seats_used = 0, activated_sites = X'0A', "
              "updated_at = ? WHERE id = ?",
              {retained_until, now_s, id});
}

std::vector<LicenseRecord> licenses_retained_before(Connection &c, int64_t now_s, int64_t limit) {
    std::vector<LicenseRecord> out;
    for (const Row &r : c.query(PLINTH_LICENSE_COLUMNS
                                "WHERE user_id IS NULL AND retained_until IS NOT NULL AND retained_until < ? "
                                "ORDER BY id LIMIT ?",
                                {now_s, limit}))
        out.push_back(license_from(r));
    return out;
}

void delete_license(Connection &c, int64_t id) { c.execute("DELETE FROM licenses WHERE id = ?", {id}); }

// ---- activations ----

std::optional<ActivationRecord> activation(Connection &c, int64_t license_id, std::string_view site) {
    Rows rows = c.query(std::string(kActivationSelect) + "WHERE license_id = ? AND site_canonical = CONVERT(? USING ascii)",
                        {license_id, site});
    if (rows.empty()) return std::nullopt;
    return activation_from(rows.front());
}

std::vector<ActivationRecord> activations(Connection &c, int64_t license_id) {
    std::vector<ActivationRecord> out;
    for (const Row &r : c.query(std::string(kActivationSelect) + "WHERE license_id = ? ORDER BY id", {license_id}))
        out.push_back(activation_from(r));
    return out;
}

int64_t count_seats(Connection &c, int64_t license_id) {
    Rows rows = c.query("SELECT COUNT(*) FROM license_activations WHERE license_id = ? AND exempt = 0", {license_id});
    return rows.empty() ? 0 : rows.front().i64(0);
}

int64_t insert_activation(Connection &c, int64_t license_id, std::string_view site, bool exempt, int64_t now_s,
                          std::optional<int64_t> network_id, Coverage coverage) {
    c.execute("INSERT INTO license_activations (license_id, site_canonical, exempt, activated_at, network_id, coverage) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {license_id, site, exempt, now_s, network_id, static_cast<int>(coverage)});
    return static_cast<int64_t>(c.last_insert_id());
}

bool delete_activation(Connection &c, int64_t license_id, std::string_view site) {
    return c.execute("DELETE FROM license_activations WHERE license_id = ? AND site_canonical = CONVERT(? USING ascii)",
                     {license_id, site}) > 0;
}

uint64_t delete_activations(Connection &c, int64_t license_id) {
    uint64_t n = c.execute("DELETE FROM license_activations WHERE license_id = ?", {license_id});
    c.execute("DELETE FROM license_networks WHERE license_id = ?", {license_id});
    return n;
}

// ---- networks ----

std::optional<NetworkRecord> network(Connection &c, int64_t license_id, std::string_view canonical) {
    Rows rows = c.query(std::string(kNetworkSelect) +
                            "WHERE license_id = ? AND network_canonical = CONVERT(? USING ascii)",
                        {license_id, canonical});
    if (rows.empty()) return std::nullopt;
    return network_from(rows.front());
}

std::optional<NetworkRecord> network_by_id(Connection &c, int64_t network_id) {
    Rows rows = c.query(std::string(kNetworkSelect) + "WHERE id = ?", {network_id});
    if (rows.empty()) return std::nullopt;
    return network_from(rows.front());
}

std::vector<NetworkRecord> networks(Connection &c, int64_t license_id) {
    std::vector<NetworkRecord> out;
    for (const Row &r : c.query(std::string(kNetworkSelect) + "WHERE license_id = ? ORDER BY id", {license_id}))
        out.push_back(network_from(r));
    return out;
}

int64_t insert_network(Connection &c, int64_t license_id, std::string_view canonical, bool exempt, int64_t now_s) {
    c.execute("INSERT INTO license_networks (license_id, network_canonical, exempt, activated_at) VALUES (?, ?, ?, ?)",
              {license_id, canonical, exempt, now_s});
    return static_cast<int64_t>(c.last_insert_id());
}

int64_t delete_network(Connection &c, int64_t network_id) {
    Rows rows = c.query("SELECT COUNT(*) FROM license_activations WHERE network_id = ?", {network_id});
    int64_t sites = rows.empty() ? 0 : rows.front().i64(0);
    c.execute("DELETE FROM license_networks WHERE id = ?", {network_id});
    return sites;
}

int64_t count_networks(Connection &c, int64_t license_id) {
    Rows rows = c.query("SELECT COUNT(*) FROM license_networks WHERE license_id = ? AND exempt = 0", {license_id});
    return rows.empty() ? 0 : rows.front().i64(0);
}

int64_t count_network_sites(Connection &c, int64_t network_id) {
    Rows rows = c.query("SELECT COUNT(*) FROM license_activations WHERE network_id = ? AND exempt = 0", {network_id});
    return rows.empty() ? 0 : rows.front().i64(0);
}

LicenseSites license_sites(Connection &c, int64_t license_id, int32_t sites_per_network) {
    LicenseSites out;
    out.scope = LicenseScope::network;
    out.structural_without_activation = sites_per_network < 0;
    for (const Row &r : c.query("SELECT site_canonical, COALESCE(network_id, 0), coverage FROM license_activations "
                                "WHERE license_id = ?",
                                {license_id}))
        out.sites.push_back(ActivatedSite{r.str(0), r.i64(1), coverage_from(r.i64(2))});
    for (const Row &r : c.query("SELECT id, network_canonical FROM license_networks WHERE license_id = ?", {license_id}))
        out.networks.push_back(ActivatedNetwork{r.i64(0), r.str(1)});
    out.sort();
    return out;
}

// ---- checks ----

std::optional<CacheFill> fetch_for_cache(Connection &c, const KeyHash &hash) {
    HashBytes h(hash);
    Rows rows = c.query("SELECT l.id, l.status, l.expires_at, l.grace_days, l.seat_limit, l.seats_used, "
                        "l.staging_exempt, p.slug, l.activated_sites, l.scope, l.sites_per_network "
                        "FROM licenses l JOIN license_products p ON p.id = l.product_id WHERE l.key_hash = ?",
                        {h.param()});
    if (rows.empty()) return std::nullopt;
    CacheFill fill;
    snapshot_from(rows.front(), fill.snapshot);
    fill.product_slug = rows.front().str(7);
    if (rows.front().i64(9) == static_cast<int64_t>(LicenseScope::network)) {
        // A network license needs each site's network: two more statements, on a miss only.
        fill.sites = license_sites(c, fill.snapshot.license_id, static_cast<int32_t>(rows.front().i64(10)));
        return fill;
    }
    std::vector<std::string> activated;
    std::string_view sites = rows.front().str(8);
    for (size_t start = 0; start < sites.size();) {
        size_t end = sites.find('\n', start);
        if (end == std::string_view::npos) end = sites.size();
        if (end > start) activated.emplace_back(sites.substr(start, end - start));
        start = end + 1;
    }
    fill.sites = LicenseSites(std::move(activated));
    return fill;
}

std::optional<CheckRow> fetch_for_check(Connection &c, const KeyHash &hash, std::string_view canonical_site) {
    // One row of one table, like the point-select it is measured against: the activation is
    // looked up in the license's own activated_sites summary, on the server.
    HashBytes h(hash);
    Rows rows = c.query("SELECT id, status, expires_at, grace_days, seat_limit, seats_used, staging_exempt, "
                        "product_id, LOCATE(CONCAT(X'0A', ?, X'0A'), activated_sites) > 0, scope, sites_per_network "
                        "FROM licenses WHERE key_hash = ?",
                        {canonical_site, h.param()});
    if (rows.empty()) return std::nullopt;
    CheckRow out;
    snapshot_from(rows.front(), out.snapshot);
    out.product_id = rows.front().i64(7);
    out.site_activated = rows.front().i64(8) != 0;
    out.scope = rows.front().i64(9) == 1 ? LicenseScope::network : LicenseScope::site;
    out.sites_per_network = static_cast<int32_t>(rows.front().i64(10));
    return out;
}

// ---- change log ----

void record_change(Connection &c, int64_t license_id, const KeyHash &hash, int64_t now_us) {
    HashBytes h(hash);
    c.execute("INSERT INTO license_changes (license_id, key_hash, changed_at_us) VALUES (?, ?, ?)",
              {license_id, h.param(), now_us});
}

int64_t last_change_id(Connection &c) {
    Rows rows = c.query("SELECT COALESCE(MAX(id), 0) FROM license_changes");
    return rows.empty() ? 0 : rows.front().i64(0);
}

std::vector<ChangeRecord> changes_after(Connection &c, int64_t after_id, int64_t limit) {
    std::vector<ChangeRecord> out;
    for (const Row &r : c.query("SELECT id, key_hash FROM license_changes WHERE id > ? ORDER BY id LIMIT ?",
                                {after_id, limit}))
        out.push_back(ChangeRecord{r.i64(0), hash_from(r.str(1))});
    return out;
}

std::vector<ChangeRecord> changes_between(Connection &c, int64_t first_id, int64_t last_id) {
    std::vector<ChangeRecord> out;
    for (const Row &r : c.query("SELECT id, key_hash FROM license_changes WHERE id BETWEEN ? AND ? ORDER BY id",
                                {first_id, last_id}))
        out.push_back(ChangeRecord{r.i64(0), hash_from(r.str(1))});
    return out;
}

uint64_t prune_changes(Connection &c, int64_t before_us) {
    return c.execute("DELETE FROM license_changes WHERE changed_at_us < ?", {before_us});
}

// ---- audit ----

void append_audit(Connection &c, int64_t at_us, std::optional<int64_t> license_id, std::string_view action,
                  const Actor &actor, std::optional<std::string_view> site, std::string_view detail) {
    c.execute("INSERT INTO license_audit (at_us, license_id, action, actor_principal, actor_user_id, site, detail) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
              {at_us, license_id, action, actor.principal, actor.user_id, site, detail});
}

std::vector<AuditRecord> audit(Connection &c, std::optional<int64_t> license_id, int64_t before_id, int64_t limit) {
    Rows rows = license_id
                    ? c.query(PLINTH_AUDIT_COLUMNS "WHERE license_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                              {*license_id, before_id, limit})
                    : c.query(PLINTH_AUDIT_COLUMNS "WHERE id < ? ORDER BY id DESC LIMIT ?", {before_id, limit});
    std::vector<AuditRecord> out;
    for (const Row &r : rows) out.push_back(audit_from(r));
    return out;
}

std::vector<AuditRecord> audit_of_license(Connection &c, int64_t license_id) {
    std::vector<AuditRecord> out;
    for (const Row &r : c.query(PLINTH_AUDIT_COLUMNS "WHERE license_id = ? ORDER BY id", {license_id}))
        out.push_back(audit_from(r));
    return out;
}

std::vector<AuditRecord> audit_by_actor(Connection &c, int64_t user_id) {
    std::vector<AuditRecord> out;
    for (const Row &r : c.query(PLINTH_AUDIT_COLUMNS "WHERE actor_user_id = ? ORDER BY id", {user_id}))
        out.push_back(audit_from(r));
    return out;
}

uint64_t scrub_audit_sites(Connection &c, int64_t license_id) {
    return c.execute("UPDATE license_audit SET site = NULL WHERE license_id = ? AND site IS NOT NULL", {license_id});
}

uint64_t scrub_audit_actor(Connection &c, int64_t user_id) {
    return c.execute("UPDATE license_audit SET actor_user_id = NULL WHERE actor_user_id = ?", {user_id});
}

uint64_t prune_audit(Connection &c, int64_t before_us) {
    return c.execute("DELETE FROM license_audit WHERE at_us < ?", {before_us});
}

} // namespace plinth::licenses::store
