// releases/service/releases.hpp — the releases module's use cases: catalogue and publishing for
// staff, update checks and the EDD-compatible protocol for sites, signed downloads, personal
// data. Owns the transactions and the permission checks; knows nothing of JSON or the C ABI.
//
// Threads: every public member is [thread-safe].
#pragma once

#include "../domain/download_token.hpp"
#include "../domain/edd.hpp"
#include "../domain/selection.hpp"
#include "../domain/settings.hpp"
#include "../store/release_store.hpp"
#include "license_authority.hpp"

#include <plinth/sdk/db.hpp>
#include <plinth/sdk/module.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::releases {

// Who is acting, as the host established it.
struct Actor {
    bool system = false; // the operator at the console (or the host itself)
    bool staff = false;  // staff or admin (true for the system too)
};

// Bytes of a package to publish, read front to back; rewind() starts over (the service reads a
// package twice: once to hash it, once to store it, and again if the transaction is retried).
class PackageSource {
public:
    virtual ~PackageSource() = default;
    // Reads up to `size` bytes into `buffer`; 0 at the end.
    virtual size_t read(char *buffer, size_t size) = 0;
    virtual void rewind() = 0;
};

// A file on the host's disk (the CLI's "@file").
class FilePackageSource final : public PackageSource {
public:
    explicit FilePackageSource(std::filesystem::path path);
    ~FilePackageSource() override;
    size_t read(char *buffer, size_t size) override;
    void rewind() override;

private:
    std::filesystem::path path_;
    std::FILE *file_ = nullptr;
};

// Bytes already in memory (an HTTP request body), borrowed for the source's life.
class MemoryPackageSource final : public PackageSource {
public:
    MemoryPackageSource(const uint8_t *bytes, size_t size) : bytes_(bytes), size_(size) {}
    size_t read(char *buffer, size_t size) override;
    void rewind() override { position_ = 0; }

private:
    const uint8_t *bytes_;
    size_t size_;
    size_t position_ = 0;
};

struct ProductSettings {
    std::string product;
    std::optional<int64_t> edd_item_id;
    std::string name;
    std::string homepage, description, banner_low, banner_high, icon_1x, icon_2x;
};

struct PublishRequest {
    std::string product;
    std::string version; // strict SemVer
    std::optional<Channel> channel; // default: beta for a pre-release, else stable
    std::string changelog;          // Markdown
    std::string requires_wp, requires_php, tested_wp;
    std::optional<int64_t> released_at; // default now
    int32_t rollout = kFullRollout;     // basis points
};

struct UpdateQuery {
    std::string key, site, product, installed_version;
    Channel channel = Channel::stable;
};

struct SignedDownload {
    std::string url;
    int64_t expires_at = 0;
};

struct UpdateAnswer {
    LicenseCheck license;
    bool update_available = false;
    std::optional<store::ReleaseRow> release; // the offer, when shown (see Settings)
    std::optional<SignedDownload> download;   // only with a valid licence
};

// An EDD request: the form fields as the site sent them (all text).
using EddForm = std::map<std::string, std::string, std::less<>>;

struct EddVersionInfo {
    store::ProductRow product;
    store::ReleaseRow newest;                  // new_version
    std::optional<store::ReleaseRow> stable;   // stable_version
    std::string changelog_html;                // every offered release down from `newest`
    std::string description_html;
    std::optional<SignedDownload> download;    // package / download_link; only with a valid licence
    std::string slug;
};

struct EddAnswer {
    EddAction action = EddAction::check_license;
    EddStatus status;
    std::optional<store::ProductRow> product; // the item, when one was named and found
    std::optional<LicenseCheck> license;      // when the key names a licence
    std::string checksum;                     // with `license`
    std::optional<EddVersionInfo> version;    // get_version, when shown
};

struct Download {
    store::ReleaseRow release;
};


class Releases {
public:
    using Clock = std::function<int64_t()>; // Unix microseconds
    using Log = std::function<void(int32_t level, std::string_view message)>;

    Releases(const sdk::Host &db, Settings settings, const DownloadKey &key, LicenseAuthority &licenses,
             Clock clock, Log log);

    sdk::db::Database &pool() { return pool_; }
    const Settings &settings() const { return settings_; }

    // ---- staff ----
    store::ProductRow set_product(const Actor &actor, const ProductSettings &settings);
    std::vector<store::ProductRow> products(const Actor &actor);
    // Reading a file named by the caller is for the system only (the console's own user).
    store::ReleaseRow publish(const Actor &actor, const PublishRequest &request, PackageSource &package);
    // Newest first by SemVer precedence.
    std::vector<store::ReleaseRow> list(const Actor &actor, std::string_view product, bool include_yanked);
    store::ReleaseRow yank(const Actor &actor, std::string_view product, std::string_view version,
                           std::string_view reason);
    store::ReleaseRow set_rollout(const Actor &actor, std::string_view product, std::string_view version,
                                  int32_t rollout);

    // ---- sites ----
    UpdateAnswer check_update(const UpdateQuery &query);
    EddAnswer edd(const EddForm &form);

    // ---- downloads ----
    // Verifies a download URL's fields; throws (PLINTH_E_UNAUTHENTICATED for a bad signature or
    // shape, PLINTH_E_EXPIRED, PLINTH_E_NOT_FOUND for a release that is gone or yanked).
    Download open_download(const DownloadGrant &grant, std::string_view signature);
    // Streams bytes [offset, offset + length) of the package to `write`, one chunk at a time.
    void read_package(const store::PackageRow &package, int64_t offset, int64_t length,
                      const std::function<void(std::string_view)> &write);
    void count_download(int64_t release_id);

    // ---- personal data ----
    std::vector<store::UpdateCheckRow> export_subject(int64_t user_id);
    std::vector<sdk::ErasureOutcome> erase_subject(int64_t user_id, bool dry_run);
    std::vector<sdk::RetentionCount> sweep(int64_t now_us);

    int64_t now_s() const { return clock_() / 1000000; }

private:
    void require_staff(const Actor &actor) const;
    store::ProductRow configured_product(sdk::db::Connection &c, std::string_view slug);
    SignedDownload sign(const store::ReleaseRow &release, std::string_view canonical_site) const;
    std::string edd_checksum(const LicenseCheck &license, std::string_view status) const;
    std::optional<store::ProductRow> edd_item(sdk::db::Connection &c, const EddForm &form, ItemMatch &match,
                                              bool &by_id);
    void log_check(const LicenseCheck &license, std::string_view product, const store::ReleaseRow *offered);

    Settings settings_;
    DownloadKey key_;
    LicenseAuthority &licenses_;
    Clock clock_;
    Log log_;
    sdk::db::Database pool_;
};

} // namespace plinth::releases
