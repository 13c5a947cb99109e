// releases/store/release_store.hpp — the releases module's SQL. Stateless functions over a
// connection (or a connection inside a transaction the service opened); prepared statements only.
#pragma once

#include <plinth/sdk/db.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::releases::store {

using sdk::db::Connection;

// Packages are written and read in chunks of this many bytes.
inline constexpr int64_t kChunkBytes = 1 << 20;

struct ProductRow {
    std::string product; // the licenses module's slug
    std::optional<int64_t> edd_item_id;
    std::string name;
    std::string homepage;
    std::string description; // Markdown
    std::string banner_low, banner_high, icon_1x, icon_2x;
    int64_t updated_at = 0;
};

struct PackageRow {
    int64_t id = 0;
    std::array<uint8_t, 32> sha256{};
    int64_t size = 0;
    int64_t chunk_size = kChunkBytes;
    int64_t chunk_count = 0;
};

struct ReleaseRow {
    int64_t id = 0;
    std::string product;
    std::string version;
    int32_t channel = 0;
    std::string changelog; // Markdown; empty when read without it
    std::string requires_wp, requires_php, tested_wp;
    int64_t released_at = 0;
    int32_t rollout = 0;
    bool yanked = false;
    std::optional<int64_t> yanked_at;
    std::optional<std::string> yank_reason;
    PackageRow package;
    int64_t downloads = 0; // total over every day
};

struct UpdateCheckRow {
    int64_t license_id = 0;
    std::string product;
    std::string site;
    int64_t last_checked_at = 0;
    std::optional<std::string> offered_version;
};

// ---- products ----
void upsert_product(Connection &c, const ProductRow &p);
std::optional<ProductRow> product(Connection &c, std::string_view slug);
std::optional<ProductRow> product_by_item_id(Connection &c, int64_t edd_item_id);
std::vector<ProductRow> products_by_name(Connection &c, std::string_view name);
std::vector<ProductRow> products(Connection &c);

// ---- releases ----
// Every release of `product`, unordered; the changelog only when asked for.
std::vector<ReleaseRow> releases_of(Connection &c, std::string_view product, bool with_changelog);
std::optional<ReleaseRow> release(Connection &c, std::string_view product, std::string_view version);
// Locks the release row (FOR UPDATE) for a change.
std::optional<ReleaseRow> lock_release(Connection &c, std::string_view product, std::string_view version);
int64_t insert_release(Connection &c, const ReleaseRow &r);
void set_yanked(Connection &c, int64_t release_id, int64_t at, std::string_view reason);
void set_rollout(Connection &c, int64_t release_id, int32_t rollout);

// ---- packages ----
std::optional<PackageRow> package_by_sha(Connection &c, const std::array<uint8_t, 32> &sha256);
int64_t insert_package(Connection &c, const PackageRow &p, int64_t now);
void insert_chunk(Connection &c, int64_t package_id, int64_t seq, std::string_view bytes);
// Bytes [offset, offset + length) of chunk `seq` (both within the chunk).
std::string read_chunk(Connection &c, int64_t package_id, int64_t seq, int64_t offset, int64_t length);

// ---- aggregates and the update-check log ----
void count_download(Connection &c, int64_t release_id, int64_t day);
void log_update_check(Connection &c, const UpdateCheckRow &row);
std::vector<UpdateCheckRow> update_checks_of(Connection &c, int64_t license_id);
uint64_t delete_update_checks_of(Connection &c, int64_t license_id);
uint64_t delete_update_checks_before(Connection &c, int64_t cutoff);
// Distinct licence ids in the log (for erasure of licences that lost their owner).
std::vector<int64_t> logged_license_ids(Connection &c);

} // namespace plinth::releases::store
