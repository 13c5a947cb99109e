// releases/service/releases.cpp — catalogue, publishing, downloads and personal data.
// (Update checks and the EDD protocol are in updates.cpp.)
#include "releases.hpp"

#include "../domain/catalogue.hpp"
#include "../domain/changelog.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace plinth::releases {

using sdk::db::Connection;

// ---- FilePackageSource ----

FilePackageSource::FilePackageSource(std::filesystem::path path) : path_(std::move(path)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path_, ec))
        throw sdk::invalid_argument("package '" + path_.string() + "' is not a regular file");
    file_ = std::fopen(path_.c_str(), "rb");
    if (file_ == nullptr)
        throw sdk::invalid_argument("package '" + path_.string() + "' cannot be read: " + std::strerror(errno));
}

FilePackageSource::~FilePackageSource() {
    if (file_ != nullptr) std::fclose(file_);
}

size_t FilePackageSource::read(char *buffer, size_t size) {
    size_t n = std::fread(buffer, 1, size, file_);
    if (n < size && std::ferror(file_)) throw sdk::unavailable("package '" + path_.string() + "' could not be read");
    return n;
}

void FilePackageSource::rewind() {
    if (std::fseek(file_, 0, SEEK_SET) != 0) throw sdk::unavailable("package '" + path_.string() + "' cannot be re-read");
    std::clearerr(file_);
}

size_t MemoryPackageSource::read(char *buffer, size_t size) {
    size_t n = std::min(size, size_ - position_);
    if (n > 0) std::memcpy(buffer, bytes_ + position_, n);
    position_ += n;
    return n;
}

// ---- Releases ----

namespace {

// Reads a whole chunk (short only at the end of the source).
size_t fill(PackageSource &source, std::string &buffer) {
    size_t got = 0;
    while (got < buffer.size()) {
        size_t n = source.read(buffer.data() + got, buffer.size() - got);
        if (n == 0) break;
        got += n;
    }
    return got;
}

std::vector<store::ReleaseRow> newest_first(std::vector<store::ReleaseRow> rows) {
    std::vector<std::pair<Version, store::ReleaseRow>> keyed;
    for (auto &r : rows) {
        std::optional<Version> v = parse_semver(r.version);
        keyed.emplace_back(v.value_or(Version{}), std::move(r));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto &a, const auto &b) { return b.first < a.first; });
    std::vector<store::ReleaseRow> out;
    for (auto &k : keyed) out.push_back(std::move(k.second));
    return out;
}

} // namespace

Releases::Releases(const sdk::Host &db, Settings settings, const DownloadKey &key, LicenseAuthority &licenses,
                   Clock clock, Log log)
    : settings_(std::move(settings)), key_(key), licenses_(licenses), clock_(std::move(clock)), log_(std::move(log)),
      pool_(db) {}

void Releases::require_staff(const Actor &actor) const {
    if (!actor.staff) throw sdk::permission_denied("this command is for staff only");
}

store::ProductRow Releases::configured_product(Connection &c, std::string_view slug) {
    std::optional<store::ProductRow> p = store::product(c, slug);
    if (!p) throw sdk::not_found("product '" + std::string(slug) + "' has no release settings (product.set)");
    return *p;
}

store::ProductRow Releases::set_product(const Actor &actor, const ProductSettings &s) {
    require_staff(actor);
    if (!valid_product_slug(s.product)) throw sdk::invalid_argument("'product' is not a product slug");
    if (s.name.empty() || s.name.size() > 200) throw sdk::invalid_argument("'name' must be 1 to 200 bytes");
    // The name is shown in every customer's WordPress admin: no controls, no bidi overrides.
    sdk::text::check_name("name", s.name);
    sdk::text::check_free_text("description", s.description);
    if (s.edd_item_id && *s.edd_item_id <= 0) throw sdk::invalid_argument("'edd_item_id' must be positive");
    for (const auto *link : {&s.homepage, &s.banner_low, &s.banner_high, &s.icon_1x, &s.icon_2x})
        if (!link->empty() && !valid_public_link(*link))
            throw sdk::invalid_argument("links must be http(s) URLs of printable characters, at most 500 bytes");
    if (s.description.size() > kMaxChangelogBytes)
        throw sdk::invalid_argument("'description' is longer than " + std::to_string(kMaxChangelogBytes) + " bytes");
    if (!licenses_.product_exists(s.product))
        throw sdk::not_found("the licenses module has no product '" + s.product + "'");
    store::ProductRow row{s.product, s.edd_item_id, s.name,        s.homepage, s.description,
                          s.banner_low, s.banner_high, s.icon_1x, s.icon_2x, now_s()};
    return pool_.transaction([&](Connection &c) {
        try {
            store::upsert_product(c, row);
        } catch (const sdk::db::DbError &e) {
            if (e.duplicate_key())
                throw sdk::conflict("EDD item id " + std::to_string(*s.edd_item_id) + " belongs to another product");
            throw;
        }
        return configured_product(c, s.product);
    });
}

std::vector<store::ProductRow> Releases::products(const Actor &actor) {
    require_staff(actor);
    return pool_.run([&](Connection &c) { return store::products(c); });
}

store::ReleaseRow Releases::publish(const Actor &actor, const PublishRequest &r, PackageSource &source) {
    require_staff(actor);
    std::optional<Version> version = parse_semver(r.version);
    if (!version) throw sdk::invalid_argument("'version' must be a semantic version such as 1.4.0 or 2.0.0-beta.1");
    for (const auto *v : {&r.requires_wp, &r.requires_php, &r.tested_wp})
        if (!v->empty() && !valid_platform_version(*v))
            throw sdk::invalid_argument("requires, requires_php and tested must be versions such as 6.1 or 8.2");
    if (r.changelog.size() > kMaxChangelogBytes)
        throw sdk::invalid_argument("'changelog' is longer than " + std::to_string(kMaxChangelogBytes) + " bytes");
    if (r.rollout < 0 || r.rollout > kFullRollout) throw sdk::invalid_argument("'rollout_percent' must be 0 to 100");
    Channel channel = r.channel.value_or(version->is_pre_release() ? Channel::beta : Channel::stable);

    // Refuse early what the transaction would refuse, before reading 50 MiB.
    pool_.run([&](Connection &c) {
        configured_product(c, r.product);
        for (const store::ReleaseRow &existing : store::releases_of(c, r.product, false)) {
            std::optional<Version> other = parse_semver(existing.version);
            if (existing.version == version->text())
                throw sdk::conflict("release " + existing.version + " of '" + r.product + "' exists");
            if (other && compare(*other, *version) == 0)
                throw sdk::conflict("release " + existing.version + " of '" + r.product +
                                    "' has the same precedence (versions differing only in build metadata are one version)");
        }
    });

    // Pass 1: size, type and SHA-256, holding one chunk at a time.
    std::string buffer(static_cast<size_t>(store::kChunkBytes), '\0');
    crypto_hash_sha256_state hash;
    crypto_hash_sha256_init(&hash);
    int64_t size = 0;
    source.rewind();
    for (size_t n; (n = fill(source, buffer)) > 0;) {
        if (size == 0 && !looks_like_zip(std::string_view(buffer.data(), n)))
            throw sdk::invalid_argument("the package is not a zip archive");
        size += static_cast<int64_t>(n);
        if (size > settings_.max_package_bytes)
            throw sdk::limit_exceeded("the package is larger than " + std::to_string(settings_.max_package_bytes) +
                                      " bytes");
        crypto_hash_sha256_update(&hash, reinterpret_cast<const unsigned char *>(buffer.data()), n);
    }
    if (size == 0) throw sdk::invalid_argument("the package is empty");
    store::PackageRow package;
    crypto_hash_sha256_final(&hash, package.sha256.data());
    package.size = size;
    package.chunk_size = store::kChunkBytes;
    package.chunk_count = (size + store::kChunkBytes - 1) / store::kChunkBytes;

    store::ReleaseRow row;
    row.product = r.product;
    row.version = version->text();
    row.channel = static_cast<int32_t>(channel);
    row.changelog = r.changelog;
    row.requires_wp = r.requires_wp;
    row.requires_php = r.requires_php;
    row.tested_wp = r.tested_wp;
    row.released_at = r.released_at.value_or(now_s());
    row.rollout = r.rollout;

    // Pass 2, inside the transaction: the package (unless this content is already stored) and the
    // release commit together, so a refused release leaves no package behind.
    return pool_.transaction([&](Connection &c) {
        std::optional<store::PackageRow> existing = store::package_by_sha(c, package.sha256);
        if (existing) {
            row.package = *existing;
        } else {
            row.package = package;
            row.package.id = store::insert_package(c, package, now_s());
            crypto_hash_sha256_state again;
            crypto_hash_sha256_init(&again);
            source.rewind();
            int64_t stored = 0;
            for (int64_t seq = 0; seq < package.chunk_count; ++seq) {
                size_t n = fill(source, buffer);
                crypto_hash_sha256_update(&again, reinterpret_cast<const unsigned char *>(buffer.data()), n);
                store::insert_chunk(c, row.package.id, seq, std::string_view(buffer.data(), n));
                stored += static_cast<int64_t>(n);
            }
            std::array<uint8_t, 32> digest{};
            crypto_hash_sha256_final(&again, digest.data());
            if (stored != package.size || fill(source, buffer) != 0 || digest != package.sha256)
                throw sdk::conflict("the package changed while it was being stored; publish again");
        }
        try {
            store::insert_release(c, row);
        } catch (const sdk::db::DbError &e) {
            if (e.duplicate_key()) throw sdk::conflict("release " + row.version + " of '" + row.product + "' exists");
            throw;
        }
        return *store::release(c, row.product, row.version);
    });
}

std::vector<store::ReleaseRow> Releases::list(const Actor &actor, std::string_view product, bool include_yanked) {
    require_staff(actor);
    std::vector<store::ReleaseRow> rows = pool_.run([&](Connection &c) {
        configured_product(c, product);
        return store::releases_of(c, product, true);
    });
    if (!include_yanked) std::erase_if(rows, [](const store::ReleaseRow &r) { return r.yanked; });
    return newest_first(std::move(rows));
}

store::ReleaseRow Releases::yank(const Actor &actor, std::string_view product, std::string_view version,
                                 std::string_view reason) {
    require_staff(actor);
    if (reason.size() > 500) throw sdk::invalid_argument("'reason' is longer than 500 bytes");
    sdk::text::check_free_text("reason", reason);
    return pool_.transaction([&](Connection &c) {
        std::optional<store::ReleaseRow> r = store::lock_release(c, product, version);
        if (!r) throw sdk::not_found("no release " + std::string(version) + " of '" + std::string(product) + "'");
        if (r->yanked) return *r; // idempotent: the first yank's time and reason stay
        store::set_yanked(c, r->id, now_s(), reason);
        return *store::release(c, product, version);
    });
}

store::ReleaseRow Releases::set_rollout(const Actor &actor, std::string_view product, std::string_view version,
                                        int32_t rollout) {
    require_staff(actor);
    if (rollout < 0 || rollout > kFullRollout) throw sdk::invalid_argument("'percent' must be 0 to 100");
    return pool_.transaction([&](Connection &c) {
        std::optional<store::ReleaseRow> r = store::lock_release(c, product, version);
        if (!r) throw sdk::not_found("no release " + std::string(version) + " of '" + std::string(product) + "'");
        store::set_rollout(c, r->id, rollout);
        return *store::release(c, product, version);
    });
}

// ---- downloads ----

Download Releases::open_download(const DownloadGrant &grant, std::string_view signature) {
    switch (verify_download(grant, signature, key_, now_s())) {
    case GrantCheck::ok: break;
    case GrantCheck::expired: throw sdk::expired("this download link has expired; ask for updates again");
    default: throw sdk::unauthenticated("this download link is not valid");
    }
    std::optional<store::ReleaseRow> r =
        pool_.run([&](Connection &c) { return store::release(c, grant.product, grant.version); });
    // A yanked release stops downloading at once, even through links handed out before.
    if (!r || r->yanked) throw sdk::not_found("this release is no longer available");
    return Download{*r};
}

void Releases::read_package(const store::PackageRow &package, int64_t offset, int64_t length,
                            const std::function<void(std::string_view)> &write) {
    if (offset < 0 || length < 0 || offset > package.size || length > package.size - offset)
        throw sdk::invalid_argument("the requested range lies outside the package");
    // One connection for the whole transfer, one chunk (or the part of it needed) at a time.
    pool_.run([&](Connection &c) {
        int64_t position = offset, end = offset + length;
        while (position < end) {
            int64_t seq = position / package.chunk_size;
            int64_t within = position - seq * package.chunk_size;
            int64_t n = std::min(end - position, package.chunk_size - within);
            std::string bytes = store::read_chunk(c, package.id, seq, within, n);
            if (static_cast<int64_t>(bytes.size()) != n) throw sdk::Error(PLINTH_E_INTERNAL, "a package chunk is short");
            write(bytes);
            position += n;
        }
    });
}

void Releases::count_download(int64_t release_id) {
    int64_t day = now_s() / 86400 * 86400;
    pool_.run([&](Connection &c) { store::count_download(c, release_id, day); });
}

// ---- personal data ----

std::vector<store::UpdateCheckRow> Releases::export_subject(int64_t user_id) {
    std::vector<store::UpdateCheckRow> out;
    if (user_id <= 0) return out;
    std::vector<LicenseOwner> owned = licenses_.licenses(user_id);
    pool_.run([&](Connection &c) {
        for (const LicenseOwner &l : owned)
            for (auto &row : store::update_checks_of(c, l.license_id)) out.push_back(std::move(row));
    });
    return out;
}

std::vector<sdk::ErasureOutcome> Releases::erase_subject(int64_t user_id, bool dry_run) {
    std::vector<sdk::ErasureOutcome> out;
    if (user_id <= 0) return out;
    // The subject's licences, and every licence that no longer has an owner: the licenses module
    // may have unlinked this subject's licences already (the privacy module erases modules in
    // initialisation order, and licenses comes first), so "no owner" is what is left of them.
    std::set<int64_t> targets, known;
    for (const LicenseOwner &l : licenses_.licenses(std::nullopt)) {
        known.insert(l.license_id);
        if (!l.user_id || *l.user_id == user_id) targets.insert(l.license_id);
    }
    pool_.transaction([&](Connection &c) {
        out.clear();
        for (int64_t id : store::logged_license_ids(c)) {
            // A licence the licenses module no longer has at all is gone with its owner too.
            if (!targets.count(id) && known.count(id)) continue;
            out.push_back({"update check log", "update checks of licence " + std::to_string(id), PLINTH_ERASURE_REMOVED, "", 0});
            if (!dry_run) store::delete_update_checks_of(c, id);
        }
    });
    return out;
}

std::vector<sdk::RetentionCount> Releases::sweep(int64_t now_us) {
    int64_t cutoff = now_us / 1000000 - settings_.update_log_retention_days * 86400;
    uint64_t n = pool_.transaction([&](Connection &c) { return store::delete_update_checks_before(c, cutoff); });
    return {{"update check log", "deleted", static_cast<int64_t>(n)}};
}

} // namespace plinth::releases
