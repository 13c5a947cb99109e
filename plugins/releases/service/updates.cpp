// releases/service/updates.cpp — what a site is told: update.check and the EDD protocol.
#include "releases.hpp"

#include "../domain/catalogue.hpp"
#include "../domain/changelog.hpp"

#include <plinth/base.h>
#include <plinth/ext/license_check.h>
#include <plinth/services/log.h>
#include <plinth/sdk/display.hpp>
#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <algorithm>

namespace plinth::releases {

using sdk::db::Connection;

namespace {

constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kChangelogEntries = 20;

struct Indexed {
    std::vector<Candidate> candidates; // candidates[i] describes rows[candidates[i].id]
};

Indexed index(const std::vector<store::ReleaseRow> &rows) {
    Indexed x;
    for (size_t i = 0; i < rows.size(); ++i) {
        std::optional<Version> v = parse_semver(rows[i].version);
        if (!v) continue; // every stored version was checked at publish; a bad row is skipped, not offered
        x.candidates.push_back({static_cast<int64_t>(i), *v, static_cast<Channel>(rows[i].channel), rows[i].yanked,
                                rows[i].rollout});
    }
    return x;
}

std::string field(const EddForm &form, std::string_view name) {
    auto it = form.find(name);
    if (it == form.end()) return {};
    std::string_view v = it->second;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
    return std::string(v);
}

// EDD's updater sends "0" for an item it does not know, so "0" is no item.
bool given(const std::string &v) { return !v.empty() && v != "0"; }

bool plugin_slug(std::string_view s) {
    if (s.empty() || s.size() > 100) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

bool is_unavailable(const sdk::Error &e) {
    return e.status() == PLINTH_E_UNAVAILABLE || e.status() == PLINTH_E_DATABASE || e.status() == PLINTH_E_INTERNAL;
}

} // namespace

SignedDownload Releases::sign(const store::ReleaseRow &release, std::string_view canonical_site) const {
    DownloadGrant grant{release.product, release.version, site_digest(canonical_site), now_s() + settings_.download_ttl_s};
    std::string signature = sign_download(grant, key_);
    // The file name ends in .zip: WordPress names its temporary file after the URL's path.
    std::string url = settings_.public_url + "/v1/releases/download/" + release.product + "/" + release.version + "/" +
                      release.product + "-" + release.version + ".zip?site=" + grant.site_digest +
                      "&expires=" + std::to_string(grant.expires_at) + "&signature=" + signature;
    return {url, grant.expires_at};
}

void Releases::log_check(const LicenseCheck &license, std::string_view product, const store::ReleaseRow *offered) {
    if (!license.license_id || license.site.empty()) return;
    store::UpdateCheckRow row{*license.license_id, std::string(product), license.site, now_s(), std::nullopt};
    if (offered != nullptr) row.offered_version = offered->version;
    try {
        pool_.run([&](Connection &c) { store::log_update_check(c, row); });
    } catch (const std::exception &e) {
        // The log serves rollout monitoring; a site still gets its answer when it cannot be written.
        log_(PLINTH_LOG_WARNING, std::string("update-check log not written: ") + e.what());
    }
}

UpdateAnswer Releases::check_update(const UpdateQuery &q) {
    if (!valid_product_slug(q.product)) throw sdk::invalid_argument("'product' is not a product slug");
    std::optional<Version> installed = parse_installed_version(q.installed_version);
    if (!installed) throw sdk::invalid_argument("'current_version' must be a version such as 1.2 or 1.2.3");
    std::vector<store::ReleaseRow> rows = pool_.run([&](Connection &c) {
        configured_product(c, q.product);
        return store::releases_of(c, q.product, false);
    });

    UpdateAnswer a;
    a.license = licenses_.check(q.key, q.site, q.product);
    const store::ReleaseRow *offered = nullptr;
    if ((a.license.valid || settings_.show_version_without_license) && !a.license.site.empty()) {
        Indexed x = index(rows);
        const Candidate *c = select_update(x.candidates, q.channel, rollout_bucket(q.product, a.license.site), *installed);
        if (c != nullptr) offered = &rows[static_cast<size_t>(c->id)];
    }
    if (offered != nullptr) {
        a.update_available = true;
        a.release = pool_.run([&](Connection &c) { return store::release(c, q.product, offered->version); });
        if (!a.release) a.update_available = false; // removed meanwhile
        else if (a.license.valid) a.download = sign(*a.release, a.license.site);
    }
    log_check(a.license, q.product, a.license.valid && a.update_available ? offered : nullptr);
    return a;
}

std::string Releases::edd_checksum(const LicenseCheck &l, std::string_view status) const {
    // A fingerprint of the licence's answer, so a client can tell that something changed. Keyed
    // (and domain-separated from download signatures) so it reveals nothing about the licence id.
    std::string m = "plinth-edd-checksum/1\n" + std::to_string(l.license_id.value_or(0)) + "\n" + std::string(status) +
                    "\n" + std::to_string(l.expires_at) + "\n" + std::to_string(l.seat_limit) + "\n" +
                    std::to_string(l.seats_used);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char *>(m.data()), m.size(), key_.data());
    char hex[2 * 16 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    return hex;
}

std::optional<store::ProductRow> Releases::edd_item(Connection &c, const EddForm &form, ItemMatch &match, bool &by_id) {
    std::string id = field(form, "item_id"), name = field(form, "item_name");
    match = ItemMatch::matched;
    by_id = false;
    if (given(id)) {
        by_id = true;
        bool digits = id.size() <= 18;
        for (char ch : id) digits = digits && ch >= '0' && ch <= '9';
        std::optional<store::ProductRow> p = digits ? store::product_by_item_id(c, std::stoll(id)) : std::nullopt;
        if (!p) match = ItemMatch::unknown_id;
        return p;
    }
    if (given(name)) {
        std::vector<store::ProductRow> found;
        if (name.size() <= 600) {
            found = store::products_by_name(c, name);
            std::string decoded = edd_decode_item_name(name);
            if (found.empty() && decoded != name) found = store::products_by_name(c, decoded);
        }
        if (found.size() != 1) {
            match = ItemMatch::unknown_name; // none, or ambiguous: never guess which product is meant
            return std::nullopt;
        }
        return found.front();
    }
    return std::nullopt;
}

EddAnswer Releases::edd(const EddForm &form) {
    std::optional<EddAction> action = parse_edd_action(field(form, "edd_action"));
    if (!action)
        throw sdk::invalid_argument(
            "edd_action must be activate_license, deactivate_license, check_license or get_version");
    EddAnswer a;
    a.action = *action;
    std::string key = field(form, "license"), url = field(form, "url");
    if (url.size() > kMaxUrlBytes) url.clear(); // judged as a missing URL: site_inactive

    EddFacts facts;
    facts.action = *action;
    a.product = pool_.run([&](Connection &c) { return edd_item(c, form, facts.item, facts.item_named_by_id); });
    // get_version needs to know which product's releases to describe.
    if (facts.item == ItemMatch::matched && !a.product && *action == EddAction::get_version)
        facts.item = ItemMatch::unknown_id;
    const std::string product = a.product ? a.product->product : std::string();

    LicenseCheck license;
    if (facts.item == ItemMatch::matched) {
        try {
            if (key.empty() || key.size() > kMaxKeyBytes) license.code = PLINTH_LICENSE_MALFORMED;
            else license = licenses_.check(key, url, product);
            facts.verdict = license.code;
            facts.seats_used = license.seats_used;
            bool attempt = false;
            if (*action == EddAction::activate_license) {
                attempt = edd_activation_allowed(license.code);
                if (attempt) facts.operation = licenses_.activate(key, url);
            } else if (*action == EddAction::deactivate_license) {
                // Any licence that exists and is this product's may free its seat, whatever its state.
                int32_t c = license.code;
                attempt = c != PLINTH_LICENSE_MALFORMED && c != PLINTH_LICENSE_NOT_FOUND &&
                          c != PLINTH_LICENSE_PRODUCT_MISMATCH && c != PLINTH_LICENSE_INVALID_SITE;
                if (attempt) facts.operation = licenses_.deactivate(key, url);
            }
            if (attempt && facts.operation == PLINTH_OK) license = licenses_.check(key, url, product); // new counts
        } catch (const sdk::Error &e) {
            if (!is_unavailable(e)) throw;
            // edd_status() reports a missing verdict or a failed operation as "unavailable".
            log_(PLINTH_LOG_WARNING, std::string("EDD request answered without the licenses module: ") + e.what());
        }
        if (facts.verdict != kNoVerdict && license.code != PLINTH_LICENSE_MALFORMED &&
            license.code != PLINTH_LICENSE_NOT_FOUND)
            a.license = license;
    }
    a.status = edd_status(facts);
    if (a.license) a.checksum = edd_checksum(*a.license, a.status.license);

    if (*action != EddAction::get_version || facts.item != ItemMatch::matched || facts.verdict == kNoVerdict) return a;
    bool valid = edd_verdict_valid(facts.verdict);
    if (!valid && !settings_.show_version_without_license) return a;

    std::vector<store::ReleaseRow> rows = pool_.run([&](Connection &c) { return store::releases_of(c, product, true); });
    Indexed x = index(rows);
    // Without a canonical site the site has no bucket: only fully rolled-out releases are shown.
    int32_t bucket = license.site.empty() ? kFullRollout - 1 : rollout_bucket(product, license.site);
    std::string beta = field(form, "beta");
    Channel channel = (beta == "1" || beta == "true") ? Channel::beta : Channel::stable;
    const Candidate *newest = newest_admitted(x.candidates, channel, bucket);
    if (newest == nullptr) {
        log_check(license, product, nullptr);
        return a;
    }
    EddVersionInfo v;
    v.product = *a.product;
    v.newest = rows[static_cast<size_t>(newest->id)];
    if (const Candidate *stable = newest_admitted(x.candidates, Channel::stable, bucket))
        v.stable = rows[static_cast<size_t>(stable->id)];
    std::vector<const Candidate *> shown;
    for (const Candidate &c : x.candidates)
        if (!c.yanked && channel_admits(channel, c.channel) && admitted(c, bucket) && compare(c.version, newest->version) <= 0)
            shown.push_back(&c);
    std::sort(shown.begin(), shown.end(), [](const Candidate *l, const Candidate *r) { return r->version < l->version; });
    for (size_t i = 0; i < shown.size() && i < kChangelogEntries; ++i) {
        const store::ReleaseRow &r = rows[static_cast<size_t>(shown[i]->id)];
        v.changelog_html += "<h4>" + sdk::html_escape(r.version) + " (" + edd_datetime(r.released_at).substr(0, 10) + ")</h4>\n";
        v.changelog_html += render_markdown(r.changelog);
    }
    v.description_html = render_markdown(a.product->description);
    std::string slug = field(form, "slug");
    v.slug = plugin_slug(slug) ? slug : product;
    if (valid && !license.site.empty()) v.download = sign(v.newest, license.site);
    log_check(license, product, v.download ? &v.newest : nullptr);
    a.version = std::move(v);
    return a;
}

} // namespace plinth::releases
