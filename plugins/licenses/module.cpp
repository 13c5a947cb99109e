// licenses/module.cpp — ABI glue: JSON commands, the typed check and the standard interfaces,
// each translated onto Licensing. No rule is decided here beyond who may call what.
#include "account_directory.hpp"
#include "domain/signed_verdict.hpp"
#include "domain/text.hpp"
#include "service/licensing.hpp"

#include <plinth/migrations/licenses.hpp>
#include <plinth/sdk/encoding.hpp>
#include <plinth/ext/license_check.h>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>
#include <plinth/sdk/text.hpp>

#include <boost/json.hpp>

#include <sodium.h>

#include <cstring>
#include <span>

namespace plinth::licenses {

namespace {

using sdk::Access;
using sdk::Args;
using sdk::Caller;

static_assert(static_cast<int>(VerdictCode::valid) == PLINTH_LICENSE_VALID);
static_assert(static_cast<int>(VerdictCode::malformed) == PLINTH_LICENSE_MALFORMED);
static_assert(static_cast<int>(VerdictCode::not_found) == PLINTH_LICENSE_NOT_FOUND);
static_assert(static_cast<int>(VerdictCode::revoked) == PLINTH_LICENSE_REVOKED);
static_assert(static_cast<int>(VerdictCode::suspended) == PLINTH_LICENSE_SUSPENDED);
static_assert(static_cast<int>(VerdictCode::product_mismatch) == PLINTH_LICENSE_PRODUCT_MISMATCH);
static_assert(static_cast<int>(VerdictCode::expired) == PLINTH_LICENSE_EXPIRED);
static_assert(static_cast<int>(VerdictCode::expired_in_grace) == PLINTH_LICENSE_EXPIRED_IN_GRACE);
static_assert(static_cast<int>(VerdictCode::site_not_activated) == PLINTH_LICENSE_SITE_NOT_ACTIVATED);
static_assert(static_cast<int>(VerdictCode::invalid_site) == PLINTH_LICENSE_INVALID_SITE);
static_assert(static_cast<int>(Coverage::none) == PLINTH_LICENSE_COVERAGE_NONE);
static_assert(static_cast<int>(Coverage::site) == PLINTH_LICENSE_COVERAGE_SITE);
static_assert(static_cast<int>(Coverage::main) == PLINTH_LICENSE_COVERAGE_MAIN);
static_assert(static_cast<int>(Coverage::subdomain) == PLINTH_LICENSE_COVERAGE_SUBDOMAIN);
static_assert(static_cast<int>(Coverage::subdirectory) == PLINTH_LICENSE_COVERAGE_SUBDIRECTORY);
static_assert(static_cast<int>(Coverage::mapped) == PLINTH_LICENSE_COVERAGE_MAPPED);

// Argument limits. Keys and sites a little beyond their own limits still reach the verdict
// (MALFORMED, INVALID_SITE); far beyond, the arguments themselves are refused.
constexpr size_t kKeyArgBytes = 256;
constexpr size_t kSiteArgBytes = 2 * kMaxSiteInputBytes;
constexpr int64_t kMaxId = INT64_MAX;
constexpr int64_t kMaxPage = 500;

Actor actor_of(const Caller &c) {
    Actor a;
    a.principal = c.principal;
    if (c.is_user()) a.user_id = c.user_id;
    a.staff = c.is_staff();
    return a;
}

std::string slug_arg(Args &args, std::string_view name) {
    std::string slug = args.string(name, kMaxProductSlugBytes);
    bool ok = (slug[0] >= 'a' && slug[0] <= 'z') || (slug[0] >= '0' && slug[0] <= '9');
    for (char c : slug) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    if (!ok)
        throw sdk::invalid_argument("argument '" + std::string(name) +
                                    "' must be lowercase letters, digits and '-', starting with a letter or digit");
    return slug;
}

// A product or policy name: shown to customers and staff, so one line of text that displays as
// it reads.
std::string name_arg(Args &args, std::string_view name) {
    std::string text = args.string(name, 200);
    sdk::text::check_name("argument '" + std::string(name) + "'", text);
    return text;
}

boost::json::object verdict_json(const Verdict &v) {
    return {{"code", code_name(v.code)},
            {"code_number", static_cast<int32_t>(v.code)},
            {"valid", v.valid},
            {"site_exempt", v.site_exempt},
            {"seat_limit", v.seat_limit},
            {"seats_used", v.seats_used},
            {"expires_at", v.expires_at},
            {"grace_ends_at", v.grace_ends_at},
            {"coverage", coverage_name(v.coverage)},
            {"network_id", v.network_id}};
}

boost::json::object product_json(const ProductRecord &p) {
    return {{"id", p.id}, {"slug", p.slug}, {"name", p.name}, {"created_at", p.created_at}};
}

boost::json::object policy_json(const PolicyRecord &p) {
    boost::json::object o{{"id", p.id},
                          {"product_id", p.product_id},
                          {"name", p.name},
                          {"seat_limit", p.seat_limit},
                          {"grace_days", p.grace_days},
                          {"staging_exempt", p.staging_exempt},
                          {"scope", scope_name(p.scope)},
                          {"sites_per_network", p.sites_per_network},
                          {"created_at", p.created_at}};
    o["duration_days"] = p.duration_days ? boost::json::value(*p.duration_days) : boost::json::value(nullptr);
    o["expires_at"] = p.expires_at ? boost::json::value(*p.expires_at) : boost::json::value(nullptr);
    return o;
}

boost::json::object activation_json(const ActivationRecord &a) {
    boost::json::object o{{"id", a.id}, {"license_id", a.license_id}, {"site", a.site}, {"exempt", a.exempt},
                          {"activated_at", a.activated_at}, {"coverage", coverage_name(a.coverage)}};
    o["network_id"] = a.network_id ? boost::json::value(*a.network_id) : boost::json::value(nullptr);
    return o;
}

boost::json::object network_json(const NetworkRecord &n) {
    return {{"id", n.id}, {"network", n.network}, {"exempt", n.exempt}, {"activated_at", n.activated_at}};
}

boost::json::object audit_json(const AuditRecord &a) {
    boost::json::object o{{"id", a.id}, {"at_us", a.at_us}, {"action", a.action}};
    o["license_id"] = a.license_id ? boost::json::value(*a.license_id) : boost::json::value(nullptr);
    o["actor_user_id"] = a.actor_user_id ? boost::json::value(*a.actor_user_id) : boost::json::value(nullptr);
    o["site"] = a.site ? boost::json::value(*a.site) : boost::json::value(nullptr);
    boost::system::error_code ec;
    boost::json::value d = boost::json::parse(a.detail, ec);
    o["detail"] = ec ? boost::json::value(a.detail) : d;
    return o;
}

std::string_view principal_name(int32_t p) {
    switch (p) {
    case PLINTH_PRINCIPAL_USER: return "user";
    case PLINTH_PRINCIPAL_SYSTEM: return "system";
    default: return "anonymous";
    }
}

class LicensesModule final : public sdk::Module,
                             public sdk::Schema,
                             public sdk::PersonalData,
                             public sdk::DataInventory,
                             public sdk::Retention {
public:
    explicit LicensesModule(const sdk::Host &host) : Module(host) {
        if (sodium_init() < 0) throw sdk::unavailable("libsodium could not be initialised");
        boost::json::object config = host.config();
        LicensingKeys keys;
        load_key(host, "license-lookup", keys.lookup.data(), keys.lookup.size());
        load_key(host, "license-encryption", keys.encryption.data(), keys.encryption.size());
        load_key(host, "verdict-signing", keys.signing_seed.data(), keys.signing_seed.size());
        sdk::Host h = host;
        licensing_ = std::make_unique<Licensing>(
            host, LicensingConfig::from_json(config), keys,
            [h] { return h.now_us(); },
            [h](int32_t level, std::string_view message) { h.log(static_cast<plinth_log_level>(level), message); },
            [h](int64_t user_id) { return account_exists(h, user_id); });
        sodium_memzero(&keys, sizeof keys);
        register_commands();
    }

    Licensing &licensing() { return *licensing_; }

    std::vector<Offer> extra_interfaces() const override {
        return {{PLINTH_EXT_LICENSE_CHECK, &kLicenseCheck}, {PLINTH_EXT_LICENSE_CHECK_V2, &kLicenseCheckV2}};
    }

    // ---- sdk::Schema ----
    boost::json::object migrate() override {
        boost::json::object report =
            sdk::db::migrate(licensing_->pool(), plinth::embedded::licenses_migrations());
        licensing_->schema_ready();
        return report;
    }

    // ---- sdk::DataInventory ----
    std::vector<sdk::DataCategory> data_categories() const override {
        const LicensingConfig &c = licensing_->config();
        return {
            {"license", "user_id, license key (encrypted), product, policy, status, issue and expiry dates",
             "the per-product key the user activates on their own sites", "contract (Art. 6(1)(b))",
             "while the user holds it; after the user's erasure kept, unlinked and revoked, for " +
                 std::to_string(c.accounting_retention_years) + " years after expiry (accounting)",
             0, ""},
            {"license activation",
             "site URL (canonical), activation time; for a multisite license the network URL (its main "
             "site) and how each site belongs to it",
             "count the sites (or multisite networks) a license runs on and verify each check", "contract (Art. 6(1)(b))",
             "until the site is deactivated or the user's data is erased", 0, ""},
            {"license audit", "acting user id, site URL, action, time",
             "trace every change and activation of a license (disputes, abuse)",
             "legitimate interests (Art. 6(1)(f))",
             std::to_string(c.audit_retention_days) + " days after the event", c.audit_retention_days, "staff"},
        };
    }

    // ---- sdk::PersonalData ----
    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        licensing_->export_subject(subject.user_id, [&](std::string_view category, const boost::json::object &item) {
            out.item(category, item);
        });
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        for (const sdk::ErasureOutcome &o :
             licensing_->erase_subject(subject.user_id, dry_run, Actor{PLINTH_PRINCIPAL_SYSTEM, {}, true}))
            out.report(o);
    }

    // ---- sdk::Retention ----
    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override { return licensing_->sweep(now_us); }

private:
    static void load_key(const sdk::Host &host, std::string_view name, uint8_t *out, size_t size) {
        std::vector<uint8_t> key = host.key(name, size);
        std::memcpy(out, key.data(), size);
        sodium_memzero(key.data(), key.size());
    }

    boost::json::object license_json(const LicenseRecord &l, bool with_key) {
        boost::json::object o{{"id", l.id},
                              {"product", licensing_->product_slug(l.product_id)},
                              {"product_id", l.product_id},
                              {"policy_id", l.policy_id},
                              {"status", status_name(l.status)},
                              {"seat_limit", l.seat_limit},
                              {"seats_used", l.seats_used},
                              {"grace_days", l.grace_days},
                              {"staging_exempt", l.staging_exempt},
                              {"scope", scope_name(l.scope)},
                              {"sites_per_network", l.sites_per_network},
                              {"issued_at", l.issued_at},
                              {"expires_at", l.expires_at},
                              {"grace_ends_at", grace_end(l.expires_at, l.grace_days)}};
        o["user_id"] = l.user_id ? boost::json::value(*l.user_id) : boost::json::value(nullptr);
        if (l.retained_until) o["retained_until"] = *l.retained_until;
        if (with_key) o["key"] = licensing_->reveal_key(l);
        return o;
    }

    // key or license_id; license_id only for the owner or staff.
    LicenseLocator locator(Args &args) {
        LicenseLocator loc;
        loc.key = args.optional_string("key", kKeyArgBytes);
        loc.id = args.optional_integer("license_id", 1, kMaxId);
        if (loc.key.has_value() == loc.id.has_value())
            throw sdk::invalid_argument("give exactly one of 'key' and 'license_id'");
        return loc;
    }

    void register_commands() {
        auto &cmd = commands();

        cmd.add({"product.create", "Creates a product {slug, name}", Access::staff, [this](const Caller &c, Args &a) {
                     std::string slug = slug_arg(a, "slug");
                     std::string name = name_arg(a, "name");
                     a.finish();
                     return boost::json::value(product_json(licensing_->create_product(slug, name, actor_of(c))));
                 }});

        cmd.add({"product.list", "Lists every product", Access::staff, [this](const Caller &, Args &a) {
                     a.finish();
                     boost::json::array list;
                     for (const ProductRecord &p : licensing_->products()) list.push_back(product_json(p));
                     return boost::json::value(list);
                 }});

        cmd.add({"policy.create",
                 "Creates a policy {product, name, seat_limit, duration_days|expires_at, grace_days, staging_exempt, "
                 "scope, sites_per_network}",
                 Access::staff, [this](const Caller &c, Args &a) {
                     std::string product = slug_arg(a, "product");
                     PolicyRecord p;
                     p.name = name_arg(a, "name");
                     int64_t seats = a.integer("seat_limit", -1, 1000000);
                     if (seats == 0) throw sdk::invalid_argument("argument 'seat_limit' must be -1 (unlimited) or at least 1");
                     p.seat_limit = static_cast<int32_t>(seats);
                     if (auto d = a.optional_integer("duration_days", 1, 36500)) p.duration_days = static_cast<int32_t>(*d);
                     p.expires_at = a.optional_integer("expires_at", 1, 253402300799);
                     if (p.duration_days && p.expires_at)
                         throw sdk::invalid_argument("give at most one of 'duration_days' and 'expires_at'");
                     p.grace_days = static_cast<int32_t>(a.optional_integer("grace_days", 0, 3650).value_or(0));
                     p.staging_exempt = a.boolean("staging_exempt", true);
                     if (std::optional<std::string> scope = a.optional_string("scope", 16)) {
                         std::optional<LicenseScope> parsed = scope_from_name(*scope);
                         if (!parsed) throw sdk::invalid_argument("argument 'scope' must be \"site\" or \"network\"");
                         p.scope = *parsed;
                     }
                     std::optional<int64_t> per_network = a.optional_integer("sites_per_network", -1, 1000000);
                     if (per_network && *per_network == 0)
                         throw sdk::invalid_argument("argument 'sites_per_network' must be -1 (unlimited) or at least 1");
                     if (per_network && p.scope != LicenseScope::network)
                         throw sdk::invalid_argument("argument 'sites_per_network' needs \"scope\": \"network\"");
                     p.sites_per_network = static_cast<int32_t>(per_network.value_or(-1));
                     a.finish();
                     if (p.expires_at && *p.expires_at <= licensing_->now_s())
                         throw sdk::invalid_argument("argument 'expires_at' must be in the future");
                     std::optional<ProductRecord> prod = licensing_->product_by_slug(product);
                     if (!prod) throw sdk::not_found("no product with slug '" + product + "'");
                     p.product_id = prod->id;
                     return boost::json::value(policy_json(licensing_->create_policy(p, actor_of(c))));
                 }});

        cmd.add({"policy.list", "Lists policies {product?}", Access::staff, [this](const Caller &, Args &a) {
                     std::optional<std::string> product;
                     if (a.has("product")) product = slug_arg(a, "product");
                     a.finish();
                     std::optional<int64_t> product_id;
                     if (product) {
                         std::optional<ProductRecord> prod = licensing_->product_by_slug(*product);
                         if (!prod) throw sdk::not_found("no product with slug '" + *product + "'");
                         product_id = prod->id;
                     }
                     boost::json::array list;
                     for (const PolicyRecord &p : licensing_->policies(product_id)) list.push_back(policy_json(p));
                     return boost::json::value(list);
                 }});

        cmd.add({"license.issue", "Issues a license {user_id, policy_id}; the result holds the key", Access::staff,
                 [this](const Caller &c, Args &a) {
                     int64_t user = a.integer("user_id", 1, kMaxId);
                     int64_t policy = a.integer("policy_id", 1, kMaxId);
                     a.finish();
                     IssuedLicense issued = licensing_->issue(user, policy, actor_of(c));
                     boost::json::object o = license_json(issued.license, false);
                     o["key"] = issued.key;
                     return boost::json::value(o);
                 }});

        cmd.add({"license.get", "One license with its key, activations and networks {id} (owner or staff)",
                 Access::customer,
                 [this](const Caller &c, Args &a) {
                     int64_t id = a.integer("id", 1, kMaxId);
                     a.finish();
                     LicenseRecord l = licensing_->visible_license(actor_of(c), id);
                     boost::json::object o = license_json(l, true);
                     boost::json::array acts;
                     for (const ActivationRecord &x : licensing_->activations(l.id)) acts.push_back(activation_json(x));
                     o["activations"] = std::move(acts);
                     boost::json::array networks;
                     if (l.scope == LicenseScope::network) {
                         for (const NetworkView &n : licensing_->networks(l.id)) {
                             boost::json::object item = network_json(n.network);
                             boost::json::array sites;
                             for (const ActivationRecord &x : n.sites) sites.push_back(activation_json(x));
                             item["sites"] = std::move(sites);
                             networks.push_back(std::move(item));
                         }
                     }
                     o["networks"] = std::move(networks);
                     return boost::json::value(o);
                 }});

        cmd.add({"license.list", "Lists licenses {user_id?, after_id?, limit?}; customers see their own",
                 Access::customer, [this](const Caller &c, Args &a) {
                     std::optional<int64_t> user = a.optional_integer("user_id", 1, kMaxId);
                     int64_t after = a.optional_integer("after_id", 0, kMaxId).value_or(0);
                     int64_t limit = a.optional_integer("limit", 1, kMaxPage).value_or(100);
                     a.finish();
                     boost::json::array list;
                     for (const LicenseRecord &l : licensing_->visible_licenses(actor_of(c), user, after, limit))
                         list.push_back(license_json(l, false));
                     return boost::json::value(list);
                 }});

        struct StatusCommand {
            const char *name;
            const char *summary;
            LicenseAction action;
        };
        for (StatusCommand s : {StatusCommand{"license.suspend", "Suspends a license {id}", LicenseAction::suspend},
                                StatusCommand{"license.reinstate", "Lifts a suspension {id}", LicenseAction::reinstate},
                                StatusCommand{"license.revoke", "Revokes a license for good {id}", LicenseAction::revoke}}) {
            cmd.add({s.name, s.summary, Access::staff, [this, action = s.action](const Caller &c, Args &a) {
                         int64_t id = a.integer("id", 1, kMaxId);
                         a.finish();
                         return boost::json::value(license_json(licensing_->change_status(id, action, actor_of(c)), false));
                     }});
        }

        cmd.add({"license.renew", "Extends a license {id, days | until}", Access::staff, [this](const Caller &c, Args &a) {
                     int64_t id = a.integer("id", 1, kMaxId);
                     std::optional<int64_t> days = a.optional_integer("days", 1, 36500);
                     std::optional<int64_t> until = a.optional_integer("until", 1, 253402300799);
                     a.finish();
                     return boost::json::value(license_json(licensing_->renew(id, days, until, actor_of(c)), false));
                 }});

        cmd.add({"activation.activate", "Activates a site {key | license_id, site, network?}; idempotent per site",
                 Access::anonymous, [this](const Caller &c, Args &a) {
                     LicenseLocator loc = locator(a);
                     std::string site = a.string("site", kSiteArgBytes);
                     std::string network = a.optional_string("network", kSiteArgBytes).value_or("");
                     a.finish();
                     licensing_->require_visible(actor_of(c), loc);
                     ActivationResult r = licensing_->activate(loc, site, network, actor_of(c));
                     boost::json::object o = activation_json(r.activation);
                     o["created"] = r.created;
                     o["seats_used"] = r.license.seats_used;
                     o["seat_limit"] = r.license.seat_limit;
                     if (r.network) {
                         o["network"] = r.network->network;
                         o["network_created"] = r.network_created;
                         o["network_sites"] = r.network_sites;
                         o["sites_per_network"] = r.license.sites_per_network;
                     }
                     return boost::json::value(o);
                 }});

        cmd.add({"activation.deactivate",
                 "Frees a site or a whole network {key | license_id, site?, network?} (URLs or canonical forms)",
                 Access::anonymous, [this](const Caller &c, Args &a) {
                     LicenseLocator loc = locator(a);
                     std::string site = a.optional_string("site", kSiteArgBytes).value_or("");
                     std::string network = a.optional_string("network", kSiteArgBytes).value_or("");
                     a.finish();
                     if (site.empty() && network.empty()) throw sdk::invalid_argument("give 'site', 'network' or both");
                     licensing_->require_visible(actor_of(c), loc);
                     DeactivationResult r = licensing_->deactivate(loc, site, network, actor_of(c));
                     boost::json::object o{{"license_id", r.license.id}, {"deactivated", true},
                                           {"seats_used", r.license.seats_used}, {"seat_limit", r.license.seat_limit},
                                           {"sites_released", r.sites_released}};
                     o["network_released"] = r.network ? boost::json::value(*r.network) : boost::json::value(nullptr);
                     return boost::json::value(o);
                 }});

        cmd.add({"check", "Checks a key on a site {key, site, network?, product?}", Access::anonymous,
                 [this](const Caller &, Args &a) {
                     std::string key = a.string("key", kKeyArgBytes);
                     std::string site = a.string("site", kSiteArgBytes);
                     std::string network = a.optional_string("network", kSiteArgBytes).value_or("");
                     std::string product = a.has("product") ? slug_arg(a, "product") : std::string();
                     a.finish();
                     Verdict v;
                     licensing_->check(key, site, network, product, v);
                     boost::json::object o = verdict_json(v);
                     std::optional<std::string> name;
                     if (v.network_id != 0) name = licensing_->network_name(key, v.network_id);
                     o["network"] = name ? boost::json::value(*name) : boost::json::value(nullptr);
                     return boost::json::value(o);
                 }});

        // For other modules (releases: the update-check log and rollout buckets need the licence
        // and the site's canonical form). Not for sites: the licence id is not theirs to learn.
        cmd.add({"check.identify",
                 "A check with the licence id and canonical site {key, site, network?, product?} (modules)",
                 Access::system, [this](const Caller &, Args &a) {
                     std::string key = a.string("key", kKeyArgBytes);
                     std::string site = a.string("site", kSiteArgBytes);
                     std::string network = a.optional_string("network", kSiteArgBytes).value_or("");
                     std::string product = a.has("product") ? slug_arg(a, "product") : std::string();
                     a.finish();
                     Verdict v;
                     licensing_->check(key, site, network, product, v);
                     boost::json::object o = verdict_json(v);
                     o["license_id"] = nullptr;
                     if (v.code != VerdictCode::malformed && v.code != VerdictCode::not_found)
                         if (std::optional<LicenseRecord> l = licensing_->license_by_key(key)) o["license_id"] = l->id;
                     SiteResult sr = canonical_site(site);
                     o["site"] = sr.ok ? boost::json::value(sr.site.canonical) : boost::json::value(nullptr);
                     return boost::json::value(o);
                 }});

        cmd.add({"check.signed", "A check signed with Ed25519 {key, site, network?, product?, challenge?}",
                 Access::anonymous, [this](const Caller &, Args &a) {
                     std::string key = a.string("key", kKeyArgBytes);
                     std::string site = a.string("site", kSiteArgBytes);
                     std::string network = a.optional_string("network", kSiteArgBytes).value_or("");
                     std::string product = a.has("product") ? slug_arg(a, "product") : std::string();
                     std::string challenge = a.optional_string("challenge", kMaxChallengeBytes).value_or("");
                     a.finish();
                     SignedVerdict s = licensing_->check_signed(key, site, network, product, challenge);
                     boost::json::object o = verdict_json(s.verdict);
                     o["valid_until"] = s.valid_until;
                     o["payload"] = s.payload;
                     o["signature"] = s.signature;
                     o["algorithm"] = "Ed25519";
                     return boost::json::value(o);
                 }});

        cmd.add({"public_key", "The Ed25519 key that signs verdicts", Access::anonymous, [this](const Caller &, Args &a) {
                     a.finish();
                     const auto &pk = licensing_->public_key();
                     return boost::json::value({{"algorithm", "Ed25519"},
                                                {"public_key", sdk::encoding::to_base64(pk)},
                                                {"public_key_hex", sdk::encoding::to_hex(pk)}});
                 }});

        cmd.add({"audit.list", "Audit entries, newest first {license_id?, before_id?, limit?}", Access::customer,
                 [this](const Caller &c, Args &a) {
                     std::optional<int64_t> license = a.optional_integer("license_id", 1, kMaxId);
                     int64_t before = a.optional_integer("before_id", 1, kMaxId).value_or(kMaxId);
                     int64_t limit = a.optional_integer("limit", 1, kMaxPage).value_or(100);
                     a.finish();
                     boost::json::array list;
                     for (const AuditRecord &r : licensing_->visible_audit(actor_of(c), license, before, limit)) {
                         boost::json::object o = audit_json(r);
                         o["actor"] = principal_name(r.actor_principal);
                         list.push_back(std::move(o));
                     }
                     return boost::json::value(list);
                 }});

        cmd.add({"stats", "Statement and cache counters (for tests and operators)", Access::system,
                 [this](const Caller &, Args &a) {
                     a.finish();
                     LicensingStats s = licensing_->stats();
                     return boost::json::value(
                         {{"statements_executed", s.statements_executed},
                          {"poller_statements", s.poller_statements},
                          {"cache_enabled", s.cache_enabled},
                          {"cache_live", s.cache_live},
                          {"last_change_id", s.last_change_id},
                          {"change_log_gap_ids", s.change_log_gap_ids},
                          {"cache",
                           {{"entries", s.cache.entries},
                            {"negative_entries", s.cache.negative_entries},
                            {"misses", s.cache.misses},
                            {"evictions", s.cache.evictions},
                            {"invalidations", s.cache.invalidations}}}});
                 }});
    }

    // A query from the other side, checked and copied: a query from before ABI 1.1 ends before
    // `network`, and the zeroed copy names none.
    static plinth_license_query read_query(const plinth_license_query *query, const plinth_license_verdict *verdict) {
        if (query == nullptr || verdict == nullptr) throw sdk::invalid_argument("query and verdict are required");
        if (verdict->struct_size < offsetof(plinth_license_verdict, valid) + sizeof(int32_t))
            throw sdk::invalid_argument("verdict struct_size is too small");
        plinth_license_query q{};
        std::memcpy(&q, query, std::min<size_t>(query->struct_size, sizeof q));
        for (const plinth_str *s : {&q.key, &q.site, &q.product, &q.network})
            if (s->data == nullptr && s->size != 0) throw sdk::invalid_argument("a string has size but no data");
        return q;
    }

    static void write_verdict(const Verdict &v, plinth_license_verdict *verdict) {
        plinth_license_verdict out{};
        out.struct_size = verdict->struct_size;
        out.code = static_cast<int32_t>(v.code);
        out.valid = v.valid ? 1 : 0;
        out.site_exempt = v.site_exempt ? 1 : 0;
        out.seat_limit = v.seat_limit;
        out.seats_used = v.seats_used;
        out.expires_at = v.expires_at;
        out.grace_ends_at = v.grace_ends_at;
        out.network_id = v.network_id;
        out.coverage = static_cast<int32_t>(v.coverage);
        std::memcpy(verdict, &out, std::min<size_t>(verdict->struct_size, sizeof out));
    }

    static int32_t check_abi(const plinth_module *self, const plinth_license_query *query,
                             plinth_license_verdict *verdict, plinth_error *error) {
        return sdk::guard(error, [&] {
            if (self == nullptr) throw sdk::invalid_argument("module is required");
            plinth_license_query q = read_query(query, verdict);
            Verdict v;
            sdk::self<LicensesModule>(self).licensing().check(sdk::to_view(q.key), sdk::to_view(q.site),
                                                               sdk::to_view(q.network), sdk::to_view(q.product), v);
            write_verdict(v, verdict);
        });
    }

    static int32_t check_cached_abi(const plinth_module *self, const plinth_license_query *query,
                                    plinth_license_verdict *verdict, int32_t *answered, plinth_error *error) {
        return sdk::guard(error, [&] {
            if (self == nullptr || answered == nullptr) throw sdk::invalid_argument("module and answered are required");
            *answered = 0;
            plinth_license_query q = read_query(query, verdict);
            Verdict v;
            if (!sdk::self<LicensesModule>(self).licensing().check_cached(
                    sdk::to_view(q.key), sdk::to_view(q.site), sdk::to_view(q.network), sdk::to_view(q.product), v))
                return;
            write_verdict(v, verdict);
            *answered = 1;
        });
    }

    static constexpr plinth_license_check_v1 kLicenseCheck = {sizeof(plinth_license_check_v1), &check_abi};
    static constexpr plinth_license_check_v2 kLicenseCheckV2 = {sizeof(plinth_license_check_v2), &check_abi,
                                                                &check_cached_abi};

    std::unique_ptr<Licensing> licensing_;
};

} // namespace
} // namespace plinth::licenses

PLINTH_MODULE(plinth::licenses::LicensesModule, "licenses", "1.0.0",
              "Products, policies, license keys, site activations and the cached license check")
