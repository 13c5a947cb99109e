#include "release_store.hpp"

#include <cstring>

namespace plinth::releases::store {

namespace {

constexpr const char *kProductColumns =
    "product, edd_item_id, name, homepage, description, banner_low, banner_high, icon_1x, icon_2x, updated_at";

ProductRow product_of(const sdk::db::Row &r) {
    ProductRow p;
    p.product = r.str(0);
    p.edd_item_id = r.optional_i64(1);
    p.name = r.str(2);
    p.homepage = r.str(3);
    p.description = r.str(4);
    p.banner_low = r.str(5);
    p.banner_high = r.str(6);
    p.icon_1x = r.str(7);
    p.icon_2x = r.str(8);
    p.updated_at = r.i64(9);
    return p;
}

std::vector<ProductRow> products_of(const sdk::db::Rows &rows) {
    std::vector<ProductRow> out;
    for (const auto &r : rows) out.push_back(product_of(r));
    return out;
}

std::array<uint8_t, 32> sha_of(const std::string &bytes) {
    std::array<uint8_t, 32> sha{};
    if (bytes.size() == sha.size()) std::memcpy(sha.data(), bytes.data(), sha.size());
    return sha;
}

// The changelog column is replaced by '' when not wanted, so the row shape stays the same.
std::string release_select(bool with_changelog) {
    return std::string("SELECT r.id, r.product, r.version, r.channel, ") + (with_changelog ? "r.changelog" : "''") +
           ", r.requires_wp, r.requires_php, r.tested_wp, r.released_at, r.rollout, r.yanked, r.yanked_at, "
           "r.yank_reason, p.id, p.sha256, p.size, p.chunk_size, p.chunk_count, "
           "(SELECT COALESCE(SUM(d.downloads), 0) FROM release_download_counts d WHERE d.release_id = r.id) "
           "FROM releases r JOIN release_packages p ON p.id = r.package_id ";
}

ReleaseRow release_of(const sdk::db::Row &r) {
    ReleaseRow x;
    x.id = r.i64(0);
    x.product = r.str(1);
    x.version = r.str(2);
    x.channel = static_cast<int32_t>(r.i64(3));
    x.changelog = r.str(4);
    x.requires_wp = r.str(5);
    x.requires_php = r.str(6);
    x.tested_wp = r.str(7);
    x.released_at = r.i64(8);
    x.rollout = static_cast<int32_t>(r.i64(9));
    x.yanked = r.i64(10) != 0;
    x.yanked_at = r.optional_i64(11);
    x.yank_reason = r.optional_str(12);
    x.package.id = r.i64(13);
    x.package.sha256 = sha_of(r.str(14));
    x.package.size = r.i64(15);
    x.package.chunk_size = r.i64(16);
    x.package.chunk_count = r.i64(17);
    x.downloads = r.i64(18);
    return x;
}

} // namespace

void upsert_product(Connection &c, const ProductRow &p) {
    c.execute("INSERT INTO release_products (product, edd_item_id, name, homepage, description, banner_low, "
              "banner_high, icon_1x, icon_2x, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON DUPLICATE KEY UPDATE edd_item_id = VALUES(edd_item_id), name = VALUES(name), "
              "homepage = VALUES(homepage), description = VALUES(description), banner_low = VALUES(banner_low), "
              "banner_high = VALUES(banner_high), icon_1x = VALUES(icon_1x), icon_2x = VALUES(icon_2x), "
              "updated_at = VALUES(updated_at)",
              {p.product, p.edd_item_id, p.name, p.homepage, p.description, p.banner_low, p.banner_high, p.icon_1x,
               p.icon_2x, static_cast<long long>(p.updated_at)});
}

std::optional<ProductRow> product(Connection &c, std::string_view slug) {
    auto rows = c.query(std::string("SELECT ") + kProductColumns + " FROM release_products WHERE product = ?", {slug});
    if (rows.empty()) return std::nullopt;
    return product_of(rows.front());
}

std::optional<ProductRow> product_by_item_id(Connection &c, int64_t edd_item_id) {
    auto rows = c.query(std::string("SELECT ") + kProductColumns + " FROM release_products WHERE edd_item_id = ?",
                        {static_cast<long long>(edd_item_id)});
    if (rows.empty()) return std::nullopt;
    return product_of(rows.front());
}

std::vector<ProductRow> products_by_name(Connection &c, std::string_view name) {
    return products_of(
        c.query(std::string("SELECT ") + kProductColumns + " FROM release_products WHERE name = ? LIMIT 2", {name}));
}

std::vector<ProductRow> products(Connection &c) {
    return products_of(c.query(std::string("SELECT ") + kProductColumns + " FROM release_products ORDER BY product"));
}

std::vector<ReleaseRow> releases_of(Connection &c, std::string_view product, bool with_changelog) {
    std::vector<ReleaseRow> out;
    for (const auto &r : c.query(release_select(with_changelog) + "WHERE r.product = ?", {product}))
        out.push_back(release_of(r));
    return out;
}

std::optional<ReleaseRow> release(Connection &c, std::string_view product, std::string_view version) {
    auto rows = c.query(release_select(true) + "WHERE r.product = ? AND r.version = ?", {product, version});
    if (rows.empty()) return std::nullopt;
    return release_of(rows.front());
}

std::optional<ReleaseRow> lock_release(Connection &c, std::string_view product, std::string_view version) {
    auto rows = c.query("SELECT id FROM releases WHERE product = ? AND version = ? FOR UPDATE", {product, version});
    if (rows.empty()) return std::nullopt;
    return release(c, product, version);
}

int64_t insert_release(Connection &c, const ReleaseRow &r) {
    c.execute("INSERT INTO releases (product, version, channel, changelog, requires_wp, requires_php, tested_wp, "
              "released_at, package_id, rollout) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {r.product, r.version, r.channel, r.changelog, r.requires_wp, r.requires_php, r.tested_wp,
               static_cast<long long>(r.released_at), static_cast<long long>(r.package.id), r.rollout});
    return static_cast<int64_t>(c.last_insert_id());
}

void set_yanked(Connection &c, int64_t release_id, int64_t at, std::string_view reason) {
    c.execute("UPDATE releases SET yanked = 1, yanked_at = ?, yank_reason = ? WHERE id = ?",
              {static_cast<long long>(at), reason, static_cast<long long>(release_id)});
}

void set_rollout(Connection &c, int64_t release_id, int32_t rollout) {
    c.execute("UPDATE releases SET rollout = ? WHERE id = ?", {rollout, static_cast<long long>(release_id)});
}

std::optional<PackageRow> package_by_sha(Connection &c, const std::array<uint8_t, 32> &sha256) {
    auto rows = c.query("SELECT id, sha256, size, chunk_size, chunk_count FROM release_packages WHERE sha256 = ?",
                        {sdk::db::Param::bytes(sha256.data(), sha256.size())});
    if (rows.empty()) return std::nullopt;
    const auto &r = rows.front();
    PackageRow p;
    p.id = r.i64(0);
    p.sha256 = sha_of(r.str(1));
    p.size = r.i64(2);
    p.chunk_size = r.i64(3);
    p.chunk_count = r.i64(4);
    return p;
}

int64_t insert_package(Connection &c, const PackageRow &p, int64_t now) {
    c.execute("INSERT INTO release_packages (sha256, size, chunk_size, chunk_count, created_at) VALUES (?, ?, ?, ?, ?)",
              {sdk::db::Param::bytes(p.sha256.data(), p.sha256.size()), static_cast<long long>(p.size),
               static_cast<long long>(p.chunk_size), static_cast<long long>(p.chunk_count),
               static_cast<long long>(now)});
    return static_cast<int64_t>(c.last_insert_id());
}

void insert_chunk(Connection &c, int64_t package_id, int64_t seq, std::string_view bytes) {
    c.execute("INSERT INTO release_package_chunks (package_id, seq, data) VALUES (?, ?, ?)",
              {static_cast<long long>(package_id), static_cast<long long>(seq),
               sdk::db::Param::bytes(bytes.data(), bytes.size())});
}

std::string read_chunk(Connection &c, int64_t package_id, int64_t seq, int64_t offset, int64_t length) {
    // SUBSTRING is 1-based; only the requested bytes cross the wire.
    auto rows = c.query("SELECT SUBSTRING(data, ?, ?) FROM release_package_chunks WHERE package_id = ? AND seq = ?",
                        {static_cast<long long>(offset + 1), static_cast<long long>(length),
                         static_cast<long long>(package_id), static_cast<long long>(seq)});
    if (rows.empty()) throw sdk::Error(PLINTH_E_INTERNAL, "a package chunk is missing");
    return rows.front().str(0);
}

void count_download(Connection &c, int64_t release_id, int64_t day) {
    c.execute("INSERT INTO release_download_counts (release_id, day, downloads) VALUES (?, ?, 1) "
              "ON DUPLICATE KEY UPDATE downloads = downloads + 1",
              {static_cast<long long>(release_id), static_cast<long long>(day)});
}

void log_update_check(Connection &c, const UpdateCheckRow &row) {
    c.execute("INSERT INTO release_update_checks (license_id, product, site, last_checked_at, offered_version) "
              "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE last_checked_at = VALUES(last_checked_at), "
              "offered_version = VALUES(offered_version)",
              {static_cast<long long>(row.license_id), row.product, sdk::db::Param::bytes(row.site.data(), row.site.size()),
               static_cast<long long>(row.last_checked_at), row.offered_version});
}

std::vector<UpdateCheckRow> update_checks_of(Connection &c, int64_t license_id) {
    std::vector<UpdateCheckRow> out;
    for (const auto &r : c.query("SELECT license_id, product, site, last_checked_at, offered_version "
                                 "FROM release_update_checks WHERE license_id = ? ORDER BY product, site",
                                 {static_cast<long long>(license_id)})) {
        out.push_back({r.i64(0), r.str(1), r.str(2), r.i64(3), r.optional_str(4)});
    }
    return out;
}

uint64_t delete_update_checks_of(Connection &c, int64_t license_id) {
    return c.execute("DELETE FROM release_update_checks WHERE license_id = ?", {static_cast<long long>(license_id)});
}

uint64_t delete_update_checks_before(Connection &c, int64_t cutoff) {
    return c.execute("DELETE FROM release_update_checks WHERE last_checked_at < ?", {static_cast<long long>(cutoff)});
}

std::vector<int64_t> logged_license_ids(Connection &c) {
    std::vector<int64_t> out;
    for (const auto &r : c.query("SELECT DISTINCT license_id FROM release_update_checks ORDER BY license_id"))
        out.push_back(r.i64(0));
    return out;
}

} // namespace plinth::releases::store
