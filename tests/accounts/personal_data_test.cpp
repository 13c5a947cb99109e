// The accounts module through the host: email history and the typed interfaces other modules
// use (subject resolver, account roles, consent listener), export, erasure, inventory and
// retention.
#include "module_fixture.hpp"

#include "support/sinks.hpp"

#include <plinth/ext/account_roles.h>
#include <plinth/ext/consent.h>
#include <plinth/ext/data_inventory.h>
#include <plinth/ext/personal_data.h>
#include <plinth/ext/retention.h>

#include <algorithm>
#include <map>

namespace plinth::accounts::module_tests {
namespace {

// ---- profile, email history, roles

TEST_F(AccountsModuleTest, EmailChangeKeepsTheOldAddressAndSubjectsResolveThroughIt) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string message;
    EXPECT_EQ(fails("email.change", R"({"email":"ada@lovelace.org"})", ada, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("email.change", R"({"email":"ada@lovelace.org","password":"not my password"})", ada),
              PLINTH_E_UNAUTHENTICATED);
    call("email.change", {{"email", "Ada@Lovelace.org"}, {"password", kPassword}}, ada);
    host_.advance_s(60);
    call("email.change", {{"user_id", id}, {"email", "countess@analytical.engine"}}, system_caller()); // support
    json::value p = call("profile.get", json::object{}, ada);
    EXPECT_EQ(p.at("email"), "countess@analytical.engine");
    ASSERT_EQ(p.at("previous_emails").as_array().size(), 2u);
    EXPECT_EQ(p.at("previous_emails").as_array()[0].at("email"), "Ada@Lovelace.org");
    EXPECT_EQ(p.at("previous_emails").as_array()[1].at("email"), "ada@example.com");

    json::value expected = {{"user_id", id},
                            {"emails", {"countess@analytical.engine", "ada@lovelace.org", "ada@example.com"}}};
    EXPECT_EQ(call("subject.resolve", {{"email", " ADA@example.com"}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"email", "countess@analytical.engine"}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"user_id", id}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"email", "Stranger@Example.com"}}, system_caller()),
              json::parse(R"({"user_id":0,"emails":["stranger@example.com"]})"));
    EXPECT_EQ(call("subject.resolve", {{"user_id", 999999}}, system_caller()), json::parse(R"({"user_id":0,"emails":[]})"));
    EXPECT_EQ(fails("subject.resolve", R"({"email":"a@example.com","user_id":1})", system_caller()),
              PLINTH_E_INVALID_ARGUMENT);
    // The old address is free again, and login follows the current one.
    EXPECT_NO_THROW(add_user("newcomer"));
    EXPECT_NO_THROW(login("countess@analytical.engine"));
    EXPECT_EQ(fails("login", R"({"login":"ada@example.com","password":"correct horse battery"})"),
              PLINTH_E_UNAUTHENTICATED);
}

// The typed twin of subject.resolve (plinth.subject-resolver/1): the same answers, no JSON.
TEST_F(AccountsModuleTest, TypedSubjectResolverAnswersAsSubjectResolveDoes) {
    int64_t id = add_user("ada");
    call("email.change", {{"user_id", id}, {"email", "countess@analytical.engine"}}, system_caller());
    auto *resolver = host_.host().interface_as<plinth_subject_resolver_v1>("accounts");
    ASSERT_NE(resolver, nullptr);
    const plinth_module *accounts = host_.host().module("accounts");
    struct Answer {
        int calls = 0;
        int64_t user_id = -1;
        std::vector<std::string> emails;
    };
    auto resolve = [&](std::string_view email, int64_t user_id, Answer &answer, std::string *message = nullptr) {
        plinth_subject_sink sink{sizeof(plinth_subject_sink), &answer, [](void *c, const plinth_subject *s) -> int32_t {
                                     auto *a = static_cast<Answer *>(c);
                                     ++a->calls;
                                     a->user_id = s->user_id;
                                     for (size_t i = 0; i < s->email_count; ++i) a->emails.emplace_back(sdk::to_view(s->emails[i]));
                                     return 0;
                                 }};
        plinth_error error = sdk::make_error();
        int32_t rc = resolver->resolve(accounts, sdk::to_str(email), user_id, &sink, &error);
        if (message) *message = error.message;
        return rc;
    };
    const std::vector<std::string> both{"countess@analytical.engine", "ada@example.com"};
    Answer by_old_address, by_id, stranger, nobody;
    ASSERT_EQ(resolve(" ADA@example.com", 0, by_old_address), PLINTH_OK);
    EXPECT_EQ(by_old_address.calls, 1);
    EXPECT_EQ(by_old_address.user_id, id);
    EXPECT_EQ(by_old_address.emails, both);
    ASSERT_EQ(resolve({}, id, by_id), PLINTH_OK);
    EXPECT_EQ(by_id.user_id, id);
    EXPECT_EQ(by_id.emails, both);
    ASSERT_EQ(resolve("Stranger@Example.com", 0, stranger), PLINTH_OK);
    EXPECT_EQ(stranger.user_id, 0);
    EXPECT_EQ(stranger.emails, std::vector<std::string>{"stranger@example.com"});
    ASSERT_EQ(resolve({}, 999999, nobody), PLINTH_OK);
    EXPECT_EQ(nobody.user_id, 0);
    EXPECT_TRUE(nobody.emails.empty());

    // Bad input: a clear error and no answer.
    Answer refused;
    std::string message;
    EXPECT_EQ(resolve("ada@example.com", id, refused, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("exactly one"), std::string::npos) << message;
    EXPECT_EQ(resolve({}, 0, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(resolve({}, -5, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(resolve("not an address", 0, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(refused.calls, 0);
}

// plinth.account-roles/1: the role an account holds now, as privacy asks for it, no JSON.
TEST_F(AccountsModuleTest, TypedAccountRolesTellTheRoleHeldNow) {
    int64_t ada = add_user("ada", kPassword, "admin");
    int64_t sam = add_user("sam", kPassword, "staff");
    int64_t cara = add_user("cara");
    auto *roles = host_.host().interface_as<plinth_account_roles_v1>("accounts");
    ASSERT_NE(roles, nullptr);
    const plinth_module *accounts = host_.host().module("accounts");
    auto role_of = [&](int64_t user_id, int32_t *role, std::string *message = nullptr) {
        plinth_error error = sdk::make_error();
        int32_t rc = roles->role_of(accounts, user_id, role, &error);
        if (message) *message = error.message;
        return rc;
    };
    int32_t role = -1;
    ASSERT_EQ(role_of(ada, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_ADMIN);
    ASSERT_EQ(role_of(sam, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_STAFF);
    ASSERT_EQ(role_of(cara, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_CUSTOMER);
    call("role.set", {{"user_id", cara}, {"role", "staff"}}, system_caller());
    ASSERT_EQ(role_of(cara, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_STAFF);

    // No such account, and bad input: an error, and the caller's output untouched.
    role = -1;
    std::string message;
    EXPECT_EQ(role_of(999999, &role, &message), PLINTH_E_NOT_FOUND);
    EXPECT_NE(message.find("no account"), std::string::npos) << message;
    EXPECT_EQ(role_of(0, &role), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(role_of(-3, &role), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(role, -1);
    EXPECT_EQ(role_of(ada, nullptr), PLINTH_E_INVALID_ARGUMENT);
}

// ---- gravatar and consent

TEST_F(AccountsModuleTest, GravatarIsOptInAndFollowsConsent) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    json::value on = call("gravatar.opt_in", json::object{}, ada);
    EXPECT_EQ(on.at("opted_in"), true);
    std::string first(on.at("gravatar_url").as_string());
    EXPECT_TRUE(first.starts_with("https://www.gravatar.com/avatar/"));
    EXPECT_EQ(first.size(), std::string("https://www.gravatar.com/avatar/").size() + 64);
    call("email.change", {{"email", "Other@Example.com"}, {"password", kPassword}}, ada);
    std::string second(call("profile.get", json::object{}, ada).at("gravatar_url").as_string());
    EXPECT_NE(second, first); // follows the address
    call("gravatar.opt_out", json::object{}, ada);
    EXPECT_TRUE(call("profile.get", json::object{}, ada).at("gravatar_url").is_null());
    EXPECT_EQ(db_.dump_all_tables().find(second), std::string::npos);

    // The consent ledger (privacy module) drives it through plinth.consent-listener/1.
    auto *listener = host_.host().interface_as<plinth_consent_listener_v1>("accounts", PLINTH_EXT_CONSENT_LISTENER);
    ASSERT_NE(listener, nullptr);
    plinth_str email = sdk::to_str("other@example.com");
    plinth_subject by_email{sizeof(plinth_subject), 0, &email, 1};
    plinth_subject by_id{sizeof(plinth_subject), id, nullptr, 0};
    const plinth_module *m = host_.host().module("accounts");
    ASSERT_EQ(listener->consent_changed(m, &by_email, sdk::to_str("gravatar"), 1, nullptr), PLINTH_OK);
    EXPECT_EQ(call("profile.get", json::object{}, ada).at("gravatar_url").as_string(), second);
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("gravatar"), 1, nullptr), PLINTH_OK); // idempotent
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("ai-prompt-analysis"), 0, nullptr), PLINTH_OK);
    EXPECT_EQ(call("profile.get", json::object{}, ada).at("gravatar_url").as_string(), second);
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("gravatar"), 0, nullptr), PLINTH_OK);
    EXPECT_TRUE(call("profile.get", json::object{}, ada).at("gravatar_url").is_null());
    plinth_subject nobody{sizeof(plinth_subject), 424242, nullptr, 0};
    EXPECT_EQ(listener->consent_changed(m, &nobody, sdk::to_str("gravatar"), 0, nullptr), PLINTH_OK);
}

// ---- personal data, inventory, retention

test::ExportCollector export_of(test::TestHost &h, plinth_subject subject) {
    test::ExportCollector c;
    auto *pd = h.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_export_sink sink = c.sink();
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->export_subject(h.host().module("accounts"), &subject, &sink, &e), PLINTH_OK) << e.message;
    return c;
}

test::ErasureCollector erase_of(test::TestHost &h, plinth_subject subject, bool dry_run) {
    test::ErasureCollector c;
    auto *pd = h.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_erasure_sink sink = c.sink();
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(h.host().module("accounts"), &subject, dry_run ? 1 : 0, &sink, &e), PLINTH_OK)
        << e.message;
    return c;
}

// "category: item" for every outcome, in the order reported.
std::vector<std::string> labels(const test::ErasureCollector &c) {
    std::vector<std::string> out;
    for (const auto &i : c.items) out.push_back(i.category + ": " + i.item);
    return out;
}

TEST_F(AccountsModuleTest, ExportHoldsEverythingButSecrets) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string token = login("ada");
    call("email.change", {{"email", "ada@lovelace.org"}, {"password", kPassword}}, ada);
    call("gravatar.opt_in", json::object{}, ada);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    test::ExportCollector c = export_of(host_, subject);
    std::map<std::string, int> per_category;
    std::string all;
    for (const auto &[category, object] : c.items) {
        ++per_category[category];
        all += json::serialize(object);
    }
    EXPECT_EQ(per_category["email"], 2);
    EXPECT_EQ(per_category["username"], 1);
    EXPECT_EQ(per_category["first name, last name"], 1);
    EXPECT_EQ(per_category["password"], 1);
    EXPECT_EQ(per_category["gravatar"], 1);
    EXPECT_EQ(per_category["logins/logouts"], 4); // session, success event, failure event, failed-login counter
    EXPECT_NE(all.find("ada@example.com"), std::string::npos);
    EXPECT_NE(all.find("\"password_set\":true"), std::string::npos);
    EXPECT_EQ(all.find("argon2"), std::string::npos);
    EXPECT_EQ(all.find(stored_hash(id)), std::string::npos);
    EXPECT_EQ(all.find(token), std::string::npos);
    EXPECT_EQ(all.find(kPassword), std::string::npos);
    // By email alone (no account id) the same account is found.
    plinth_str email = sdk::to_str("ADA@lovelace.org");
    EXPECT_EQ(export_of(host_, plinth_subject{sizeof(plinth_subject), 0, &email, 1}).items.size(), c.items.size());
    plinth_str stranger = sdk::to_str("stranger@example.com");
    EXPECT_TRUE(export_of(host_, plinth_subject{sizeof(plinth_subject), 0, &stranger, 1}).items.empty());
}

TEST_F(AccountsModuleTest, ErasureReportsEachItemAndRemovesEverything) {
    int64_t id = add_user("ada");
    int64_t bob = add_user("bob");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string token = login("ada");
    login("bob");
    call("email.change", {{"email", "ada@lovelace.org"}, {"password", kPassword}}, ada);
    call("gravatar.opt_in", json::object{}, ada);
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    check(token); // cached

    std::string before = db_.dump_all_tables();
    const std::vector<std::string> dry = labels(erase_of(host_, subject, true));
    EXPECT_EQ(db_.dump_all_tables(), before);
    test::ErasureCollector real = erase_of(host_, subject, false);
    const std::vector<std::string> removed = labels(real);
    EXPECT_EQ(dry, removed);
    std::vector<std::string> expected = {
        "email: account " + std::to_string(id) + " current address",
        "email: account " + std::to_string(id) + " previous address 1",
        "username: account " + std::to_string(id) + " username and role",
        "first name, last name: account " + std::to_string(id) + " first and last name",
        "password: account " + std::to_string(id) + " password hash",
    };
    for (const auto &e : expected)
        EXPECT_NE(std::find(removed.begin(), removed.end(), e), removed.end()) << e;
    for (const auto &o : real.items) EXPECT_EQ(o.outcome, PLINTH_ERASURE_REMOVED);
    bool has_gravatar = false, has_session = false, has_events = false;
    for (const auto &s : removed) {
        has_gravatar |= s.starts_with("gravatar:");
        has_session |= s.find(" session ") != std::string::npos;
        has_events |= s.find("login events") != std::string::npos;
    }
    EXPECT_TRUE(has_gravatar && has_session && has_events);

    EXPECT_EQ(check(token), PLINTH_E_UNAUTHENTICATED); // evicted at once
    std::string dump = db_.dump_all_tables();
    for (const char *gone : {"ada@example.com", "ada@lovelace.org", "\tada\t", "gravatar.com"})
        EXPECT_EQ(dump.find(gone), std::string::npos) << gone;
    EXPECT_NE(dump.find("bob@example.com"), std::string::npos); // others untouched
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_login_events WHERE user_id = ?", {bob}).at(0).i64(0), 1);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_login_events WHERE user_id = ?", {id}).at(0).i64(0), 0);
    EXPECT_TRUE(erase_of(host_, subject, false).items.empty()); // idempotent
}

// Outcomes are reported inside the transaction that deletes, so a report that does not reach the
// privacy module (a crash, a refusing sink) leaves the account in place for the resumed run to
// erase and report again, instead of an account gone with no record of it.
TEST_F(AccountsModuleTest, ARefusedReportRollsTheErasureBack) {
    int64_t id = add_user("ada");
    login("ada");
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    std::string before = db_.dump_all_tables();

    struct Refusing {
        int reported = 0;
    } refusing;
    auto *pd = host_.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &refusing,
                             [](void *ctx, const plinth_erasure_item *) -> int32_t {
                                 return ++static_cast<Refusing *>(ctx)->reported >= 3 ? 1 : 0;
                             }};
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(host_.host().module("accounts"), &subject, 0, &sink, &e), PLINTH_E_SINK);
    EXPECT_EQ(refusing.reported, 3);
    EXPECT_EQ(db_.dump_all_tables(), before);

    test::ErasureCollector resumed = erase_of(host_, subject, false);
    EXPECT_GE(resumed.items.size(), 5u); // every item, none lost to the refused run
    EXPECT_TRUE(erase_of(host_, subject, false).items.empty());
}

// Privacy records are matched by every address an account ever had, so an address in one
// account's history must not become another's: their consents, exports and erasures would mix.
TEST_F(AccountsModuleTest, AnAddressInAnotherAccountsHistoryIsNotReused) {
    int64_t ada = add_user("ada");
    int64_t bob = add_user("bob");
    call("email.change", {{"user_id", ada}, {"email", "ada@lovelace.org"}}, system_caller());

    std::string before = db_.dump_all_tables();
    std::string message;
    EXPECT_EQ(fails("register",
                    R"({"email":" ADA@Example.com","username":"carol","first_name":"Carol","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("email.change", R"({"user_id":)" + std::to_string(bob) + R"(,"email":"Ada@example.com"})",
                    system_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("import.users",
                    R"({"users":[{"email":"ada@EXAMPLE.com","username":"carol","first_name":"C","password_hash":")" +
                        std::string(kBcrypt2y) + R"("}]})",
                    system_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "users[0]: email is already registered");
    EXPECT_EQ(db_.dump_all_tables(), before);
    EXPECT_EQ(call("subject.resolve", {{"user_id", bob}}, system_caller()),
              (json::value{{"user_id", bob}, {"emails", {"bob@example.com"}}}));

    // Ada may take her own old address back (in any case).
    call("email.change", {{"user_id", ada}, {"email", "Ada@Example.com"}}, system_caller());
    EXPECT_EQ(call("profile.get", json::object{}, user_caller(ada, PLINTH_ROLE_CUSTOMER)).at("email"), "Ada@Example.com");
    // ...and the address she left now is hers to hold as history, not Bob's to take.
    EXPECT_EQ(fails("email.change", R"({"user_id":)" + std::to_string(bob) + R"(,"email":"ada@lovelace.org"})",
                    system_caller()),
              PLINTH_E_CONFLICT);

    // Erasure deletes the history, and with it the claim on the old addresses.
    erase_of(host_, plinth_subject{sizeof(plinth_subject), ada, nullptr, 0}, false);
    call("email.change", {{"user_id", bob}, {"email", "ada@lovelace.org"}}, system_caller());
    EXPECT_NO_THROW(add_user("ada"));
}

TEST_F(AccountsModuleTest, InventoryDescribesEveryCategory) {
    auto *inv = host_.host().interface_as<plinth_data_inventory_v1>("accounts", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    std::map<std::string, std::pair<std::string, int64_t>> seen;
    plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &seen,
                               [](void *ctx, const plinth_data_category *c) -> int32_t {
                                   EXPECT_GT(c->purpose.size, 0u);
                                   EXPECT_GT(c->legal_basis.size, 0u);
                                   EXPECT_GT(c->retention.size, 0u);
                                   (*static_cast<decltype(seen) *>(ctx))[std::string(sdk::to_view(c->name))] = {
                                       std::string(sdk::to_view(c->legal_basis)), c->retention_days};
                                   return 0;
                               }};
    ASSERT_EQ(inv->list_categories(host_.host().module("accounts"), &sink, nullptr), PLINTH_OK);
    for (const char *name : {"email", "username", "first name, last name", "password", "logins/logouts", "gravatar"})
        EXPECT_TRUE(seen.count(name)) << name;
    EXPECT_EQ(seen.size(), 6u);
    EXPECT_EQ(seen["logins/logouts"].second, 30);
    EXPECT_NE(seen["gravatar"].first.find("consent"), std::string::npos);
}

TEST_F(AccountsModuleTest, RetentionSweepThroughTheInterface) {
    add_user("ada");
    std::string token = login("ada");
    auto *ret = host_.host().interface_as<plinth_retention_v1>("accounts", PLINTH_EXT_RETENTION);
    ASSERT_NE(ret, nullptr);
    std::map<std::string, int64_t> counts;
    plinth_retention_sink sink{sizeof(plinth_retention_sink), &counts,
                               [](void *ctx, const plinth_retention_count *c) -> int32_t {
                                   (*static_cast<std::map<std::string, int64_t> *>(ctx))
                                       [std::string(sdk::to_view(c->category)) + "/" + std::string(sdk::to_view(c->action))] =
                                           c->count;
                                   return 0;
                               }};
    int64_t later = host_.now_us() + int64_t(40) * 86400 * 1000000;
    ASSERT_EQ(ret->sweep(host_.host().module("accounts"), later, &sink, nullptr), PLINTH_OK);
    EXPECT_EQ(counts["logins/logouts/expired"], 1);
    EXPECT_EQ(counts["logins/logouts/removed"], 2); // the login and the expiry, both older than 30 days
    EXPECT_EQ(counts["logins/logouts/reset"], 0);
    EXPECT_EQ(count("accounts_sessions"), 0);
    EXPECT_EQ(count("accounts_login_events"), 0);
    EXPECT_EQ(count("accounts_users"), 1);
}

} // namespace
} // namespace plinth::accounts::module_tests
