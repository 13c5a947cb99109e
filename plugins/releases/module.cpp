// releases/module.cpp — ABI glue: JSON commands, the typed download interface and the standard
// interfaces, each translated onto Releases. No rule is decided here beyond argument shapes and
// who may call what.
#include "domain/changelog.hpp"
#include "service/registry_licenses.hpp"
#include "service/releases.hpp"

#include <plinth/migrations/releases.hpp>
#include <plinth/sdk/encoding.hpp>
#include <plinth/ext/license_check.h>
#include <plinth/ext/release_download.h>
#include <plinth/ext/release_publish.h>
#include <plinth/sdk/license_check.hpp>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <boost/json.hpp>

#include <sodium.h>

#include <cstring>
#include <span>

namespace plinth::releases {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using sdk::Access;
using sdk::Args;
using sdk::Caller;

constexpr size_t kKeyArgBytes = 256;
constexpr size_t kSiteArgBytes = 4096;
constexpr size_t kEddFieldBytes = 4096;
constexpr size_t kEddMaxFields = 64;

Actor actor_of(const Caller &c) { return Actor{c.is_system(), c.is_staff()}; }

std::string hex(const std::array<uint8_t, 32> &bytes) { return sdk::encoding::to_hex(bytes); }

object product_json(const store::ProductRow &p) {
    return {{"product", p.product},
            {"edd_item_id", p.edd_item_id ? value(*p.edd_item_id) : value(nullptr)},
            {"name", p.name},
            {"homepage", p.homepage},
            {"description", p.description},
            {"banner_low", p.banner_low},
            {"banner_high", p.banner_high},
            {"icon_1x", p.icon_1x},
            {"icon_2x", p.icon_2x},
            {"updated_at", p.updated_at}};
}

object release_json(const store::ReleaseRow &r, bool html) {
    object o{{"product", r.product},
             {"version", r.version},
             {"channel", channel_name(static_cast<Channel>(r.channel))},
             {"changelog", r.changelog},
             {"requires", r.requires_wp},
             {"requires_php", r.requires_php},
             {"tested", r.tested_wp},
             {"released_at", r.released_at},
             // A whole percentage as an integer (JSON writers print 100.0 as 1E2).
             {"rollout_percent", r.rollout % 100 == 0 ? value(r.rollout / 100) : value(r.rollout / 100.0)},
             {"rollout_basis_points", r.rollout},
             {"yanked", r.yanked},
             {"package", {{"sha256", hex(r.package.sha256)}, {"size", r.package.size}}},
             {"downloads", r.downloads}};
    if (html) o["changelog_html"] = render_markdown(r.changelog);
    if (r.yanked) {
        o["yanked_at"] = r.yanked_at ? value(*r.yanked_at) : value(nullptr);
        o["yank_reason"] = r.yank_reason ? value(*r.yank_reason) : value(nullptr);
    }
    return o;
}

std::string slug_arg(Args &a, std::string_view name) { return a.string(name, 64); }

// rollout_percent (0..100) or rollout_basis_points (0..10000); `fallback` when neither.
int32_t rollout_arg(Args &a, std::string_view percent, std::string_view basis_points, int32_t fallback) {
    std::optional<int64_t> p = a.optional_integer(percent, 0, 100);
    std::optional<int64_t> bp = a.optional_integer(basis_points, 0, kFullRollout);
    if (p && bp) throw sdk::invalid_argument("give at most one of '" + std::string(percent) + "' and '" +
                                             std::string(basis_points) + "'");
    if (p) return static_cast<int32_t>(*p * 100);
    if (bp) return static_cast<int32_t>(*bp);
    return fallback;
}

Channel channel_arg(Args &a, std::string_view name, Channel fallback) {
    std::optional<std::string> text = a.optional_string(name, 16);
    if (!text) return fallback;
    std::optional<Channel> c = parse_channel(*text);
    if (!c) throw sdk::invalid_argument("argument '" + std::string(name) + "' must be \"stable\" or \"beta\"");
    return *c;
}

// The EDD form: every member a string (numbers and booleans are taken as their text, as a
// form would carry them). Fields beyond those EDD defines are accepted and ignored, because
// EDD's updater sends several (author, php_version, wp_version).
EddForm edd_form(const object &raw) {
    if (raw.size() > kEddMaxFields) throw sdk::invalid_argument("too many form fields");
    EddForm form;
    for (const auto &m : raw) {
        const value &v = m.value();
        std::string text;
        if (v.is_string()) text = std::string(v.get_string());
        else if (v.is_int64()) text = std::to_string(v.get_int64());
        else if (v.is_uint64()) text = std::to_string(v.get_uint64());
        else if (v.is_bool()) text = v.get_bool() ? "1" : "0";
        else if (v.is_null()) continue;
        else throw sdk::invalid_argument("form field '" + std::string(m.key()) + "' must be text");
        if (text.size() > kEddFieldBytes || m.key().size() > 64)
            throw sdk::invalid_argument("form field '" + std::string(m.key()) + "' is too long");
        form.emplace(std::string(m.key()), std::move(text));
    }
    return form;
}

// The answer in EDD's field names and value types. Never a customer's name or email: a site
// needs to know whether its licence works, not who bought it.
object edd_json(const EddAnswer &a) {
    object o;
    if (a.version) {
        const EddVersionInfo &v = *a.version;
        std::string package = v.download ? v.download->url : std::string();
        // PHP-serialized arrays, as EDD sends them: WordPress indexes them as arrays.
        std::vector<std::pair<std::string, std::string>> banners, icons;
        if (!v.product.banner_low.empty()) banners.emplace_back("low", v.product.banner_low);
        if (!v.product.banner_high.empty()) banners.emplace_back("high", v.product.banner_high);
        if (!v.product.icon_1x.empty()) icons.emplace_back("1x", v.product.icon_1x);
        if (!v.product.icon_2x.empty()) icons.emplace_back("2x", v.product.icon_2x);
        o = {{"new_version", v.newest.version},
             {"stable_version", v.stable ? v.stable->version : std::string()},
             {"name", v.product.name},
             {"slug", v.slug},
             {"url", v.product.homepage},
             {"homepage", v.product.homepage},
             {"last_updated", edd_datetime(v.newest.released_at)},
             {"package", package},
             {"download_link", package},
             {"sections", {{"description", v.description_html}, {"changelog", v.changelog_html}}},
             {"banners", php_serialized_strings(banners)},
             {"icons", php_serialized_strings(icons)},
             {"requires", v.newest.requires_wp},
             {"tested", v.newest.tested_wp},
             {"requires_php", v.newest.requires_php}};
        return o;
    }
    o["success"] = a.status.success;
    o["license"] = a.status.license;
    if (!a.status.error.empty()) o["error"] = a.status.error;
    if (a.action == EddAction::get_version && a.status.error.empty()) o["error"] = "no_version";
    if (a.product) {
        o["item_id"] = a.product->edd_item_id ? value(*a.product->edd_item_id) : value(false);
        o["item_name"] = a.product->name;
    }
    if (a.license) {
        const LicenseCheck &l = *a.license;
        o["license_limit"] = edd_license_limit(l.seat_limit);
        o["site_count"] = l.seats_used;
        std::optional<int64_t> left = edd_activations_left(l.seat_limit, l.seats_used);
        o["activations_left"] = left ? value(*left) : value("unlimited");
        o["expires"] = edd_expires(l.expires_at);
        o["checksum"] = a.checksum;
    }
    return o;
}

// release.publish's arguments other than the package; finishes `a`.
PublishRequest publish_request(Args &a) {
    PublishRequest r;
    r.product = slug_arg(a, "product");
    r.version = a.string("version", kMaxVersionBytes);
    if (a.has("channel")) r.channel = channel_arg(a, "channel", Channel::stable);
    r.changelog = a.optional_string("changelog", kMaxChangelogBytes).value_or("");
    r.requires_wp = a.optional_string("requires", 20).value_or("");
    r.requires_php = a.optional_string("requires_php", 20).value_or("");
    r.tested_wp = a.optional_string("tested", 20).value_or("");
    r.released_at = a.optional_integer("released_at", 1, 253402300799);
    r.rollout = rollout_arg(a, "rollout_percent", "rollout_basis_points", kFullRollout);
    a.finish();
    return r;
}

DownloadGrant grant_of(const plinth_download_request &r) {
    return DownloadGrant{std::string(sdk::to_view(r.product)), std::string(sdk::to_view(r.version)),
                         std::string(sdk::to_view(r.site)), r.expires_at};
}

plinth_download_request copy_request(const plinth_download_request *request) {
    if (request == nullptr) throw sdk::invalid_argument("no download request given");
    plinth_download_request r{};
    std::memcpy(&r, request, std::min<size_t>(request->struct_size, sizeof r));
    for (const plinth_str *s : {&r.product, &r.version, &r.site, &r.signature}) {
        if (s->data == nullptr && s->size != 0) throw sdk::invalid_argument("a string has size but no data");
        if (s->size > 256) throw sdk::unauthenticated("this download link is not valid");
    }
    return r;
}

class ReleasesModule final : public sdk::Module,
                             public sdk::Schema,
                             public sdk::PersonalData,
                             public sdk::DataInventory,
                             public sdk::Retention {
public:
    explicit ReleasesModule(const sdk::Host &host) : Module(host), licenses_(host) {
        if (sodium_init() < 0) throw sdk::unavailable("libsodium could not be initialised");
        boost::json::object config = host.config();
        DownloadKey key{};
        std::vector<uint8_t> k = host.key("download-signing", key.size());
        std::memcpy(key.data(), k.data(), key.size());
        sodium_memzero(k.data(), k.size());
        sdk::Host h = host;
        releases_ = std::make_unique<Releases>(
            host, Settings::from_json(config), key, licenses_,
            [h] { return h.now_us(); },
            [h](int32_t level, std::string_view message) { h.log(static_cast<plinth_log_level>(level), message); });
        sodium_memzero(key.data(), key.size());
        register_commands();
    }

    Releases &releases() { return *releases_; }

    std::vector<Offer> extra_interfaces() const override {
        return {{PLINTH_EXT_RELEASE_DOWNLOAD, &kDownload}, {PLINTH_EXT_RELEASE_PUBLISH, &kPublish}};
    }

    // ---- sdk::Schema ----
    boost::json::object migrate() override {
        return sdk::db::migrate(releases_->pool(), plinth::embedded::releases_migrations());
    }

    // ---- sdk::DataInventory ----
    std::vector<sdk::DataCategory> data_categories() const override {
        int64_t days = releases_->settings().update_log_retention_days;
        return {{"update check log", "licence id, canonical site URL, product, time of the last check, version offered",
                 "stage rollouts and see which release each licensed site is offered",
                 "legitimate interests (Art. 6(1)(f))",
                 std::to_string(days) + " days after the site's last update check", days, "staff"}};
    }

    // ---- sdk::PersonalData ----
    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        for (const store::UpdateCheckRow &r : releases_->export_subject(subject.user_id))
            out.item("update check log",
                     {{"license_id", r.license_id},
                      {"product", r.product},
                      {"site", r.site},
                      {"last_checked_at", r.last_checked_at},
                      {"offered_version", r.offered_version ? value(*r.offered_version) : value(nullptr)}});
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        for (const sdk::ErasureOutcome &o : releases_->erase_subject(subject.user_id, dry_run)) out.report(o);
    }

    // ---- sdk::Retention ----
    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override { return releases_->sweep(now_us); }

private:
    void register_commands();

    static int32_t download_open(const plinth_module *self, const plinth_download_request *request,
                                 plinth_download_info *info, plinth_error *error) {
        return sdk::guard(error, [&] {
            if (self == nullptr || info == nullptr) throw sdk::invalid_argument("module and info are required");
            plinth_download_request r = copy_request(request);
            Download d = sdk::self<ReleasesModule>(self).releases().open_download(grant_of(r), sdk::to_view(r.signature));
            plinth_download_info out{};
            out.struct_size = info->struct_size;
            out.size = static_cast<uint64_t>(d.release.package.size);
            std::string h = hex(d.release.package.sha256);
            std::memcpy(out.sha256_hex, h.c_str(), h.size() + 1);
            out.release_id = d.release.id;
            std::memcpy(info, &out, std::min<size_t>(info->struct_size, sizeof out));
        });
    }

    static int32_t download_read(const plinth_module *self, const plinth_download_request *request, uint64_t offset,
                                 uint64_t length, const plinth_sink *out, plinth_error *error) {
        return sdk::guard(error, [&] {
            if (self == nullptr || out == nullptr || out->write == nullptr)
                throw sdk::invalid_argument("module and sink are required");
            plinth_download_request r = copy_request(request);
            Releases &releases = sdk::self<ReleasesModule>(self).releases();
            Download d = releases.open_download(grant_of(r), sdk::to_view(r.signature));
            if (offset > static_cast<uint64_t>(INT64_MAX) || length > static_cast<uint64_t>(INT64_MAX))
                throw sdk::invalid_argument("the requested range lies outside the package");
            releases.read_package(d.release.package, static_cast<int64_t>(offset), static_cast<int64_t>(length),
                                  [&](std::string_view bytes) {
                                      if (out->write(out->context, bytes.data(), bytes.size()) != 0)
                                          throw sdk::Error(PLINTH_E_SINK, "the download sink refused the bytes");
                                  });
            if (offset == 0) releases.count_download(d.release.id);
        });
    }

    static int32_t publish_bytes(const plinth_module *self, const plinth_call_context *caller, plinth_str arguments,
                                 const uint8_t *package, size_t package_size, const plinth_sink *out,
                                 plinth_error *error) {
        return sdk::guard(error, [&] {
            if (self == nullptr || (package == nullptr && package_size != 0))
                throw sdk::invalid_argument("module and package are required");
            Caller c = Caller::from(caller);
            c.require(Access::staff);
            std::string_view text = sdk::to_view(arguments);
            boost::system::error_code ec;
            value parsed = boost::json::parse(text.empty() ? std::string_view("{}") : text, ec);
            if (ec || !parsed.is_object()) throw sdk::invalid_argument("arguments must be a JSON object");
            Args a(parsed.get_object());
            PublishRequest r = publish_request(a);
            MemoryPackageSource source(package, package_size);
            value result = release_json(
                sdk::self<ReleasesModule>(self).releases().publish(actor_of(c), r, source), false);
            sdk::detail::write_json(out, result);
        });
    }

    static constexpr plinth_release_publish_v1 kPublish = {sizeof(plinth_release_publish_v1), &publish_bytes};

    static constexpr plinth_release_download_v1 kDownload = {sizeof(plinth_release_download_v1), &download_open,
                                                             &download_read};

    RegistryLicenses licenses_;
    std::unique_ptr<Releases> releases_;
};

void ReleasesModule::register_commands() {
    auto &cmd = commands();

    cmd.add({"product.set",
             "Sets a product's update details {product, name, edd_item_id?, homepage?, description?, banner_low?, "
             "banner_high?, icon_1x?, icon_2x?}",
             Access::staff, [this](const Caller &c, Args &a) {
                 ProductSettings s;
                 s.product = slug_arg(a, "product");
                 s.name = a.string("name", 200);
                 s.edd_item_id = a.optional_integer("edd_item_id", 1, INT64_MAX);
                 s.homepage = a.optional_string("homepage", 500).value_or("");
                 s.description = a.optional_string("description", kMaxChangelogBytes).value_or("");
                 s.banner_low = a.optional_string("banner_low", 500).value_or("");
                 s.banner_high = a.optional_string("banner_high", 500).value_or("");
                 s.icon_1x = a.optional_string("icon_1x", 500).value_or("");
                 s.icon_2x = a.optional_string("icon_2x", 500).value_or("");
                 a.finish();
                 return value(product_json(releases_->set_product(actor_of(c), s)));
             }});

    cmd.add({"product.list", "Every product's update details", Access::staff, [this](const Caller &c, Args &a) {
                 a.finish();
                 array list;
                 for (const auto &p : releases_->products(actor_of(c))) list.push_back(product_json(p));
                 return value(list);
             }});

    cmd.add({"release.publish",
             "Publishes a release {product, version, package: \"@/path/file.zip\" (console only), channel?, "
             "changelog?, requires?, requires_php?, tested?, released_at?, rollout_percent? | rollout_basis_points?}",
             Access::staff, [this](const Caller &c, Args &a) {
                 std::string package = a.string("package", 4096);
                 PublishRequest r = publish_request(a);
                 // Reading a path is the console's privilege: the operator is the host's own user.
                 // Everyone else uploads the bytes (HTTP: POST /v1/releases/publish).
                 if (package.size() < 2 || package[0] != '@')
                     throw sdk::invalid_argument("'package' must be \"@\" followed by the path of a zip file");
                 if (!c.is_system())
                     throw sdk::permission_denied("a package from a file path is accepted from the console only");
                 FilePackageSource source(package.substr(1));
                 return value(release_json(releases_->publish(actor_of(c), r, source), false));
             }});

    cmd.add({"release.list", "Releases of a product, newest first {product, include_yanked?, html?}", Access::staff,
             [this](const Caller &c, Args &a) {
                 std::string product = slug_arg(a, "product");
                 bool yanked = a.boolean("include_yanked", true);
                 bool html = a.boolean("html", false);
                 a.finish();
                 array list;
                 for (const auto &r : releases_->list(actor_of(c), product, yanked)) list.push_back(release_json(r, html));
                 return value(list);
             }});

    cmd.add({"release.yank", "Withdraws a release from every site and download link {product, version, reason?}",
             Access::staff, [this](const Caller &c, Args &a) {
                 std::string product = slug_arg(a, "product");
                 std::string version = a.string("version", kMaxVersionBytes);
                 std::string reason = a.optional_string("reason", 500).value_or("");
                 a.finish();
                 return value(release_json(releases_->yank(actor_of(c), product, version, reason), false));
             }});

    cmd.add({"release.rollout",
             "Sets the share of sites offered a release {product, version, percent | basis_points}", Access::staff,
             [this](const Caller &c, Args &a) {
                 std::string product = slug_arg(a, "product");
                 std::string version = a.string("version", kMaxVersionBytes);
                 int32_t rollout = rollout_arg(a, "percent", "basis_points", -1);
                 a.finish();
                 if (rollout < 0) throw sdk::invalid_argument("missing argument 'percent' (integer)");
                 return value(release_json(releases_->set_rollout(actor_of(c), product, version, rollout), false));
             }});

    cmd.add({"update.check", "Is there an update for this site? {key, site, product, current_version, channel?}",
             Access::anonymous, [this](const Caller &, Args &a) {
                 UpdateQuery q;
                 q.key = a.string("key", kKeyArgBytes);
                 q.site = a.string("site", kSiteArgBytes);
                 q.product = slug_arg(a, "product");
                 q.installed_version = a.string("current_version", kMaxVersionBytes);
                 q.channel = channel_arg(a, "channel", Channel::stable);
                 a.finish();
                 UpdateAnswer u = releases_->check_update(q);
                 object o{{"update_available", u.update_available},
                          {"license", {{"code", sdk::license_code_name(u.license.code)}, {"valid", u.license.valid}}}};
                 if (u.release) {
                     object r = release_json(*u.release, true);
                     r.erase("downloads");
                     r.erase("rollout_percent");
                     r.erase("rollout_basis_points");
                     o["release"] = std::move(r);
                 }
                 if (u.download) {
                     o["download_url"] = u.download->url;
                     o["download_expires_at"] = u.download->expires_at;
                 }
                 return value(o);
             }});

    cmd.add({"edd", "EDD Software Licensing's API {edd_action, license, item_id | item_name, url, beta, slug, ...}",
             Access::anonymous, [this](const Caller &, Args &a) {
                 EddForm form = edd_form(a.raw());
                 return value(edd_json(releases_->edd(form)));
             }});

    cmd.add({"download.verify", "Checks a download link's fields {product, version, site, expires, signature}",
             Access::anonymous, [this](const Caller &, Args &a) {
                 DownloadGrant g;
                 g.product = a.string("product", 256);
                 g.version = a.string("version", 256);
                 g.site_digest = a.string("site", 256);
                 g.expires_at = a.integer("expires", 0, INT64_MAX);
                 std::string signature = a.string("signature", 256);
                 a.finish();
                 Download d = releases_->open_download(g, signature);
                 return value({{"product", d.release.product},
                               {"version", d.release.version},
                               {"sha256", hex(d.release.package.sha256)},
                               {"size", d.release.package.size}});
             }});
}

} // namespace
} // namespace plinth::releases

PLINTH_MODULE_WITH_DEPENDENCIES(plinth::releases::ReleasesModule, "releases", "1.0.0",
                                "Releases, staged rollouts, signed downloads and the EDD-compatible update API",
                                {{sizeof(plinth_dependency), "licenses", 0}})
