// The privacy module's pure rules, tested without a database or the ABI.
#include "domain/calendar.hpp"
#include "domain/consent.hpp"
#include "domain/erasure.hpp"
#include "domain/export_document.hpp"
#include "domain/identifiers.hpp"
#include "domain/inventory.hpp"
#include "domain/request.hpp"
#include "domain/settings.hpp"
#include "domain/text.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace plinth::privacy {
namespace {

constexpr int64_t k2026 = 1767225600; // 2026-01-01T00:00:00Z

int32_t status_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return e.status();
    }
    return PLINTH_OK;
}

// ---- calendar ----

TEST(PrivacyCalendar, FormatsUtc) {
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(k2026), "2026-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(k2026 + 86399), "2026-01-01T23:59:59Z");
    EXPECT_EQ(format_utc(951782400), "2000-02-29T00:00:00Z");
    EXPECT_EQ(format_utc(-1), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_date(k2026 + 3600), "2026-01-01");
}

TEST(PrivacyCalendar, OneMonthIsACalendarMonth) {
    const int64_t jan15 = k2026 + 14 * 86400 + 3723;
    EXPECT_EQ(format_utc(add_one_month(jan15)), "2026-02-15T01:02:03Z");
    const int64_t jan31 = k2026 + 30 * 86400;
    EXPECT_EQ(format_utc(add_one_month(jan31)), "2026-02-28T00:00:00Z");
    const int64_t jan31_2028 = 1830297600 + 30 * 86400; // 2028 is a leap year
    EXPECT_EQ(format_utc(jan31_2028), "2028-01-31T00:00:00Z");
    EXPECT_EQ(format_utc(add_one_month(jan31_2028)), "2028-02-29T00:00:00Z");
    const int64_t dec20 = k2026 + 353 * 86400;
    EXPECT_EQ(format_utc(dec20), "2026-12-20T00:00:00Z");
    EXPECT_EQ(format_utc(add_one_month(dec20)), "2027-01-20T00:00:00Z");
    const int64_t mar31 = k2026 + (31 + 28 + 30) * 86400;
    EXPECT_EQ(format_utc(add_one_month(mar31)), "2026-04-30T00:00:00Z");
}

// ---- identifiers ----

TEST(PrivacyIdentifiers, EmailsAreCheckedAndTrimmed) {
    EXPECT_EQ(checked_email("  Ann@Example.org \n"), "Ann@Example.org");
    EXPECT_EQ(normalised_email("Ann@Example.ORG"), "ann@example.org");
    for (const char *bad : {"", "   ", "ann", "@example.org", "ann@", "a@b@c", "a b@c.d", "a\x01@c.d"})
        EXPECT_EQ(status_of([&] { checked_email(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(status_of([] { checked_email(std::string(300, 'a') + "@" + std::string(30, 'b')); }),
              PLINTH_E_INVALID_ARGUMENT);
}

TEST(PrivacyIdentifiers, PurposesAreSlugs) {
    EXPECT_EQ(checked_purpose("ai-prompt-analysis"), "ai-prompt-analysis");
    EXPECT_EQ(checked_purpose("v2.news_letter"), "v2.news_letter");
    for (const char *bad : {"", "Gravatar", "-x", "a b", "x'; DROP TABLE t; --", "é"})
        EXPECT_EQ(status_of([&] { checked_purpose(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(status_of([] { checked_purpose(std::string(65, 'a')); }), PLINTH_E_INVALID_ARGUMENT);
}

TEST(PrivacyIdentifiers, LabelsRefuseControlCharacters) {
    EXPECT_EQ(checked_label("signup form", "source", 20), "signup form");
    EXPECT_EQ(status_of([] { checked_label("a\nb", "source", 20); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { checked_label(std::string(21, 'x'), "source", 20); }), PLINTH_E_INVALID_ARGUMENT);
}

// Issue 10 item 24: names shown to people later refuse C1 controls and bidi formatting.
TEST(PrivacyIdentifiers, LabelsRefuseControlAndBidiCharacters) {
    EXPECT_EQ(checked_label("Anmeldeformular \xc3\xa4 \xe2\x82\xac", "source", 64),
              "Anmeldeformular \xc3\xa4 \xe2\x82\xac");
    // The implicit RLM mark cannot reorder strong characters and right-to-left labels need it.
    EXPECT_EQ(checked_label("x\xe2\x80\x8fy", "source", 64), "x\xe2\x80\x8fy");
    const char *refused[] = {
        "a\x1b[31mb",           // ESC (C0)
        "a\x7f",                // DEL
        "a\xc2\x85" "b",        // U+0085 NEL (C1)
        "a\xc2\x9b" "b",        // U+009B CSI (C1)
        "invoice\xe2\x80\xaetxt.pdf", // U+202E RIGHT-TO-LEFT OVERRIDE
        "x\xe2\x80\xaa" "y",    // U+202A embedding
        "x\xe2\x81\xa6y",       // U+2066 isolate
        "x\xe2\x80\xa8y",       // U+2028 LINE SEPARATOR
        "x\xff",                // not UTF-8
        "x\xc0\xafy",           // overlong '/'
        "x\xed\xa0\x80",        // surrogate
    };
    for (const char *v : refused)
        EXPECT_EQ(status_of([&] { checked_label(v, "source", 64); }), PLINTH_E_INVALID_ARGUMENT) << v;
}

// ---- consent ----

TEST(PrivacyConsent, PrecedenceOfAnswers) {
    ConsentState none;
    EXPECT_TRUE(is_allowed(none, false));
    EXPECT_FALSE(is_allowed(none, true));

    ConsentState granted{ConsentAction::grant, false, true};
    EXPECT_TRUE(is_allowed(granted, true));
    EXPECT_TRUE(is_allowed(granted, false));

    ConsentState withdrawn{ConsentAction::withdraw, false, true};
    EXPECT_FALSE(is_allowed(withdrawn, true));
    EXPECT_FALSE(is_allowed(withdrawn, false)) << "a withdrawal also stops processing that needed no opt-in";

    ConsentState objected{ConsentAction::object, false, false};
    EXPECT_FALSE(is_allowed(objected, false));
    EXPECT_FALSE(is_allowed(objected, true));

    ConsentState restricted_grant{ConsentAction::grant, true, true};
    EXPECT_FALSE(is_allowed(restricted_grant, true)) << "restriction beats consent";
    EXPECT_FALSE(is_allowed(restricted_grant, false));
    ConsentState restricted_none{std::nullopt, true, false};
    EXPECT_FALSE(is_allowed(restricted_none, false));
}

TEST(PrivacyConsent, ListenerAnswerTreatsAskedPurposesAsOptIn) {
    EXPECT_TRUE(listener_answer({ConsentAction::grant, false, true}));
    EXPECT_FALSE(listener_answer({ConsentAction::withdraw, false, true}));
    EXPECT_FALSE(listener_answer({ConsentAction::object, false, false}));
    EXPECT_TRUE(listener_answer({std::nullopt, false, false}));
    EXPECT_FALSE(listener_answer({std::nullopt, true, false}));
}

TEST(PrivacyConsent, ActionNames) {
    for (ConsentAction a : {ConsentAction::grant, ConsentAction::withdraw, ConsentAction::object,
                            ConsentAction::restrict, ConsentAction::lift_restriction})
        EXPECT_EQ(parse_action(action_name(a)), a);
    EXPECT_EQ(status_of([] { parse_action("maybe"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_TRUE(is_subject_wide(ConsentAction::restrict));
    EXPECT_TRUE(is_subject_wide(ConsentAction::lift_restriction));
    EXPECT_FALSE(is_subject_wide(ConsentAction::object));
}

// ---- requests ----

TEST(PrivacyRequest, NamesRoundTrip) {
    for (RequestKind k : {RequestKind::export_data, RequestKind::erase, RequestKind::restrict, RequestKind::object})
        EXPECT_EQ(parse_kind(kind_name(k)), k);
    for (RequestStatus s : {RequestStatus::pending, RequestStatus::confirmed, RequestStatus::running,
                            RequestStatus::completed, RequestStatus::failed, RequestStatus::expired})
        EXPECT_EQ(parse_status(status_name(s)), s);
    EXPECT_EQ(kind_name(RequestKind::export_data), "export");
    EXPECT_EQ(status_of([] { parse_kind("delete"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_status("done"); }), PLINTH_E_INVALID_ARGUMENT);
}

TEST(PrivacyRequest, OpenStatuses) {
    EXPECT_TRUE(is_open(RequestStatus::pending));
    EXPECT_TRUE(is_open(RequestStatus::confirmed));
    EXPECT_TRUE(is_open(RequestStatus::running));
    EXPECT_TRUE(is_open(RequestStatus::failed)) << "a failed run is resumed, not replaced";
    EXPECT_FALSE(is_open(RequestStatus::completed));
    EXPECT_FALSE(is_open(RequestStatus::expired));
}

TEST(PrivacyRequest, DeadlineIsOneCalendarMonth) {
    EXPECT_EQ(deadline_for(k2026), add_one_month(k2026));
    EXPECT_EQ(format_utc(deadline_for(k2026)), "2026-02-01T00:00:00Z");
}

TEST(PrivacyRequest, ConfirmDecisions) {
    const int64_t expires = k2026 + kTokenLifetimeSeconds;
    EXPECT_EQ(decide_confirm(RequestStatus::pending, expires, k2026, true), ConfirmDecision::confirm);
    EXPECT_EQ(decide_confirm(RequestStatus::pending, expires, expires - 1, true), ConfirmDecision::confirm);
    EXPECT_EQ(decide_confirm(RequestStatus::pending, expires, expires, true), ConfirmDecision::expire);
    EXPECT_EQ(decide_confirm(RequestStatus::pending, expires, k2026, false), ConfirmDecision::wrong_token);
    EXPECT_EQ(decide_confirm(RequestStatus::expired, expires, k2026, false), ConfirmDecision::wrong_token)
        << "without the token nobody learns the state";
    EXPECT_EQ(decide_confirm(RequestStatus::expired, expires, k2026, true), ConfirmDecision::expired);
    // The token is for one use: every state after pending refuses a second confirmation.
    for (RequestStatus s : {RequestStatus::confirmed, RequestStatus::running, RequestStatus::completed,
                            RequestStatus::failed, RequestStatus::cancelled}) {
        EXPECT_EQ(decide_confirm(s, expires, k2026, true), ConfirmDecision::not_pending);
        EXPECT_EQ(decide_confirm(s, expires, expires + 999, true), ConfirmDecision::not_pending);
    }
}

TEST(PrivacyRequest, ExecuteDecisions) {
    const int64_t expires = k2026 + kTokenLifetimeSeconds;
    EXPECT_EQ(decide_execute(RequestStatus::confirmed, expires, k2026), ExecuteDecision::run);
    EXPECT_EQ(decide_execute(RequestStatus::running, expires, k2026), ExecuteDecision::run);
    EXPECT_EQ(decide_execute(RequestStatus::failed, expires, k2026), ExecuteDecision::run);
    EXPECT_EQ(decide_execute(RequestStatus::completed, expires, k2026), ExecuteDecision::return_result);
    EXPECT_EQ(decide_execute(RequestStatus::pending, expires, k2026), ExecuteDecision::not_confirmed);
    EXPECT_EQ(decide_execute(RequestStatus::pending, expires, expires), ExecuteDecision::expired);
    EXPECT_EQ(decide_execute(RequestStatus::expired, expires, k2026), ExecuteDecision::expired);
    EXPECT_EQ(decide_execute(RequestStatus::cancelled, expires, k2026), ExecuteDecision::cancelled);
    EXPECT_FALSE(is_open(RequestStatus::cancelled));
    EXPECT_EQ(parse_status("cancelled"), RequestStatus::cancelled);
    EXPECT_TRUE(token_lapsed(RequestStatus::pending, expires, expires));
    EXPECT_FALSE(token_lapsed(RequestStatus::confirmed, expires, expires + 1));
}

// ---- erasure ----

TEST(PrivacyErasure, RetainedNeedsBasisAndDate) {
    ErasureRecord ok{"tickets", "ticket content", "ticket 1", Outcome::retained, "contract", k2026};
    EXPECT_NO_THROW(check_record(ok));
    ErasureRecord no_basis = ok;
    no_basis.legal_basis.clear();
    EXPECT_EQ(status_of([&] { check_record(no_basis); }), PLINTH_E_INTERNAL);
    ErasureRecord no_date = ok;
    no_date.retained_until = 0;
    EXPECT_EQ(status_of([&] { check_record(no_date); }), PLINTH_E_INTERNAL);
    ErasureRecord removed{"tickets", "ticket content", "ticket 1", Outcome::removed, "", 0};
    EXPECT_NO_THROW(check_record(removed));
    ErasureRecord nameless{"tickets", "", "ticket 1", Outcome::removed, "", 0};
    EXPECT_EQ(status_of([&] { check_record(nameless); }), PLINTH_E_INTERNAL);
}

TEST(PrivacyErasure, SummaryAndJson) {
    std::vector<ErasureRecord> records{{"a", "c", "1", Outcome::removed, "", 0},
                                       {"a", "c", "2", Outcome::removed, "", 0},
                                       {"b", "c", "3", Outcome::anonymised, "", 0},
                                       {"b", "c", "4", Outcome::retained, "law", k2026}};
    ErasureSummary s = summarise(records);
    EXPECT_EQ(s.removed, 2);
    EXPECT_EQ(s.anonymised, 1);
    EXPECT_EQ(s.retained, 1);
    auto j = to_json(records[3]).as_object();
    EXPECT_EQ(j.at("outcome").as_string(), "retained");
    EXPECT_EQ(j.at("legal_basis").as_string(), "law");
    EXPECT_EQ(j.at("retained_until").as_string(), "2026-01-01T00:00:00Z") << "people read ISO 8601";
    EXPECT_EQ(j.at("retained_until_at").as_int64(), k2026);
    auto removed = to_json(records[0]).as_object();
    EXPECT_TRUE(removed.at("retained_until").is_null());
    EXPECT_TRUE(removed.at("retained_until_at").is_null());
    EXPECT_EQ(outcome_from_abi(1), Outcome::anonymised);
    EXPECT_EQ(status_of([] { outcome_from_abi(7); }), PLINTH_E_INTERNAL);
}

// ---- inventory ----

Register sample_register() {
    Register r;
    r.generated_at = k2026;
    ModuleRecord accounts{"accounts", {"plinth.command/1", "plinth.personal-data/1", "plinth.data-inventory/1"},
                          true, true, false, {}};
    accounts.categories.push_back({"email", "email, email history", "unique identifier | login", "contract (Art. 6(1)(b))",
                                   "while the account exists", 0, ""});
    accounts.categories.push_back({"gravatar", "gravatar url", "<script>alert(1)</script>", "consent (Art. 6(1)(a))",
                                   "until withdrawn", 0, "Gravatar (Automattic)"});
    ModuleRecord example{"example_c", {"plinth.command/1"}, false, false, false, {}};
    ModuleRecord leaky{"leaky", {"plinth.data-inventory/1"}, true, false, false, {}};
    leaky.categories.push_back({"notes", "text", "notes", "", "forever", 0, ""});
    r.modules = {accounts, example, leaky};
    return r;
}

TEST(PrivacyInventory, MarkdownTableFromDeclarations) {
    std::string md = render_markdown(sample_register());
    EXPECT_NE(md.find("| module | category | fields | purpose | legal basis | retention | recipients |"), std::string::npos);
    EXPECT_NE(md.find("| accounts | email | email, email history | unique identifier \\| login |"), std::string::npos);
    EXPECT_EQ(md.find("<script>"), std::string::npos);
    EXPECT_NE(md.find("## Modules without a personal-data interface"), std::string::npos);
    EXPECT_NE(md.find("| example_c | plinth.command/1 | 0 |"), std::string::npos);
    EXPECT_NE(md.find("'leaky' declares personal data but offers no export or erasure"), std::string::npos);
    EXPECT_NE(md.find("without a legal basis"), std::string::npos);
}

TEST(PrivacyInventory, HtmlEscapesEverything) {
    std::string html = render_html(sample_register());
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("<td>example_c</td>"), std::string::npos);
}

TEST(PrivacyInventory, JsonListsCategoriesAndModulesWithoutPersonalData) {
    auto j = render_json(sample_register()).as_object();
    EXPECT_EQ(j.at("schema").as_string(), "plinth.privacy.inventory/1");
    EXPECT_EQ(j.at("categories").as_array().size(), 3u);
    const auto &first = j.at("categories").as_array()[0].as_object();
    EXPECT_EQ(first.at("module").as_string(), "accounts");
    EXPECT_EQ(first.at("legal_basis").as_string(), "contract (Art. 6(1)(b))");
    const auto &without = j.at("modules_without_personal_data").as_array();
    ASSERT_EQ(without.size(), 2u);
    EXPECT_EQ(without[0].as_object().at("module").as_string(), "example_c");
    EXPECT_EQ(without[1].as_object().at("module").as_string(), "leaky");
    EXPECT_EQ(boost::json::parse(render(sample_register(), InventoryFormat::json)), render_json(sample_register()));
}

TEST(PrivacyInventory, Formats) {
    EXPECT_EQ(parse_format("md"), InventoryFormat::markdown);
    EXPECT_EQ(parse_format("markdown"), InventoryFormat::markdown);
    EXPECT_EQ(parse_format("html"), InventoryFormat::html);
    EXPECT_EQ(parse_format("json"), InventoryFormat::json);
    EXPECT_EQ(status_of([] { parse_format("pdf"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(sample_register().find("accounts", "gravatar")->recipients, "Gravatar (Automattic)");
    EXPECT_EQ(sample_register().find("accounts", "nope"), nullptr);
}

// ---- export document ----

TEST(PrivacyExportDocument, ArchivePathIsNeverBothFileAndFolder) {
    // Found by fuzz_archive_name (fuzz/corpus/archive_name/crash-file-and-folder): "a" and "a/b"
    // made files/tickets/a a file and a folder in one archive, which no unzip tool can unpack.
    std::set<std::string> taken;
    EXPECT_EQ(archive_file_path("tickets", "a", taken), "files/tickets/a");
    EXPECT_EQ(archive_file_path("tickets", "a/b", taken), "files/tickets/a-2/b");
    EXPECT_EQ(archive_file_path("tickets", "a/c", taken), "files/tickets/a-2/c");
    // The other order: a folder first, then a file of the same name.
    EXPECT_EQ(archive_file_path("tickets", "x/y/z.txt", taken), "files/tickets/x/y/z.txt");
    EXPECT_EQ(archive_file_path("tickets", "x", taken), "files/tickets/x-2");
    EXPECT_EQ(archive_file_path("tickets", "x/y", taken), "files/tickets/x/y-2");
    EXPECT_EQ(archive_file_path("tickets", "x/y/z.txt", taken), "files/tickets/x/y/z-2.txt");
}

TEST(PrivacyExportDocument, ArchivePathsAreSafeAndUnique) {
    std::set<std::string> taken;
    EXPECT_EQ(archive_file_path("tickets", "screen shot.png", taken), "files/tickets/screen_shot.png");
    EXPECT_EQ(archive_file_path("tickets", "screen shot.png", taken), "files/tickets/screen_shot-2.png");
    EXPECT_EQ(archive_file_path("tickets", "screen?shot.png", taken), "files/tickets/screen_shot-3.png");
    EXPECT_EQ(archive_file_path("tickets", "../../../etc/passwd", taken), "files/tickets/etc/passwd");
    EXPECT_EQ(archive_file_path("tickets", "/abs/./x\\..\\y.txt", taken), "files/tickets/abs/x/y.txt");
    EXPECT_EQ(archive_file_path("tickets", "tickets/ticket-1/1-log.txt", taken), "files/tickets/ticket-1/1-log.txt");
    EXPECT_EQ(archive_file_path("tickets", "ticket 2/.hidden", taken), "files/tickets/ticket_2/hidden");
    EXPECT_EQ(archive_file_path("tickets", "...", taken), "files/tickets/file");
    EXPECT_EQ(archive_file_path("tickets", "../..", taken), "files/tickets/file-2");
    EXPECT_EQ(archive_file_path("../x", "a", taken), "files/_x/a");
    std::string longest = archive_file_path("tickets", std::string(300, 'x') + ".pdf", taken);
    EXPECT_EQ(longest.size(), std::string("files/tickets/").size() + 100);
    EXPECT_EQ(longest.substr(longest.size() - 4), ".pdf");
}

// Issue 10 item 7: tickets name files "tickets/ticket-N/M-<name of up to 255 bytes>"; the entry
// name is derived, short enough, keeps the extension and never fails.
TEST(PrivacyExportDocument, LongModuleFileNamesGiveShortEntryNames) {
    std::set<std::string> taken;
    const std::string name = "tickets/ticket-12/34-" + std::string(251, 'n') + ".log";
    std::set<std::string> entries; // `taken` also holds the folders
    for (int i = 0; i < 3; ++i) {
        std::string entry = archive_file_path("tickets", name, taken);
        EXPECT_LE(entry.size(), 255u) << entry;
        EXPECT_EQ(entry.rfind("files/tickets/", 0), 0u) << entry;
        EXPECT_EQ(entry.substr(entry.size() - 4), ".log") << entry;
        entries.insert(entry);
    }
    EXPECT_EQ(entries.size(), 3u) << "each stays unique";
    std::string deep;
    for (int i = 0; i < 12; ++i) deep += std::string(90, char('a' + i)) + "/";
    std::string entry = archive_file_path("tickets", deep + "report.pdf", taken);
    EXPECT_LE(entry.size(), 255u) << entry;
    EXPECT_EQ(entry.substr(entry.size() - 10), "report.pdf");
}

ExportDocument sample_document() {
    Register reg = sample_register();
    ExportDocument doc;
    doc.request_id = 7;
    doc.generated_at = k2026;
    doc.user_id = 42;
    doc.emails = {"new@example.org", "old@example.org"};
    ModuleExport m;
    m.module = "accounts";
    m.group("undeclared", reg).items.push_back({{"x", 1}});
    m.group("email", reg).items.push_back({{"email", "<b>new@example.org</b>"}, {"<key>", {1, 2, nullptr}}});
    ExportedFile f{"a\".png", "image/png", "files/accounts/a_.png", 3, "abc"};
    m.group("email", reg).files.push_back(f);
    complete_groups(m, reg);
    doc.modules.push_back(std::move(m));
    return doc;
}

TEST(PrivacyExportDocument, GroupsFollowTheInventoryAndSayWhatIsNotHeld) {
    ExportDocument doc = sample_document();
    const auto &groups = doc.modules[0].groups;
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups[0].category, "email");
    EXPECT_EQ(groups[1].category, "gravatar");
    EXPECT_TRUE(groups[1].items.empty());
    EXPECT_EQ(groups[2].category, "undeclared");
    EXPECT_FALSE(groups[2].declared.has_value());
    EXPECT_EQ(doc.item_count(), 2u);
    EXPECT_EQ(doc.file_count(), 1u);
}

TEST(PrivacyExportDocument, JsonSchema) {
    auto j = export_json(sample_document()).as_object();
    EXPECT_EQ(j.at("schema").as_string(), kExportSchema);
    EXPECT_EQ(j.at("schema_version").as_int64(), kExportSchemaVersion);
    EXPECT_EQ(j.at("generated_at").as_string(), "2026-01-01T00:00:00Z");
    EXPECT_EQ(j.at("subject").as_object().at("user_id").as_int64(), 42);
    EXPECT_EQ(j.at("subject").as_object().at("emails").as_array().size(), 2u);
    const auto &email = j.at("modules").as_array()[0].as_object().at("categories").as_array()[0].as_object();
    EXPECT_EQ(email.at("category").as_string(), "email");
    EXPECT_EQ(email.at("purpose").as_string(), "unique identifier | login");
    EXPECT_EQ(email.at("retention").as_string(), "while the account exists");
    EXPECT_EQ(email.at("items").as_array().size(), 1u);
    EXPECT_EQ(email.at("files").as_array()[0].as_object().at("path").as_string(), "files/accounts/a_.png");
    const auto &undeclared = j.at("modules").as_array()[0].as_object().at("categories").as_array()[2].as_object();
    EXPECT_FALSE(undeclared.at("declared").as_bool());
}

TEST(PrivacyExportDocument, IndexHtmlEscapesItemsKeysAndNames) {
    std::string html = index_html(sample_document());
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;new@example.org&lt;/b&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;key&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("href=\"files/accounts/a_.png\""), std::string::npos);
    EXPECT_NE(html.find("a&quot;.png"), std::string::npos);
    EXPECT_NE(html.find("Nothing of this kind is held about you."), std::string::npos);
}

// Issue 10 item 10: a person reads dates, not Unix seconds.
TEST(PrivacyExportDocument, IndexHtmlShowsDatesNotUnixSeconds) {
    Register reg;
    ExportDocument doc;
    doc.request_id = 3;
    doc.generated_at = k2026 + 3600;
    ModuleExport m;
    m.module = "tickets";
    m.group("credential reveal log", reg)
        .items.push_back({{"revealed_at", k2026 + 86400 * 31 + 3600 * 14 + 60 * 5},
                          {"retained_until", k2026},
                          {"count_at", 0},
                          {"ticket_id", 1767225600}});
    doc.modules.push_back(std::move(m));
    const std::string html = index_html(doc);
    EXPECT_NE(html.find("<time datetime=\"2026-02-01T14:05:00Z\">1 February 2026, 14:05 UTC</time>"), std::string::npos)
        << html;
    EXPECT_NE(html.find("(2026-01-01T00:00:00Z)"), std::string::npos);
    EXPECT_NE(html.find("1 January 2026, 01:00 UTC"), std::string::npos) << "the generation time too";
    EXPECT_EQ(html.find(std::to_string(k2026 + 86400 * 31 + 3600 * 14 + 60 * 5)), std::string::npos);
    EXPECT_NE(html.find("<td>1767225600</td>"), std::string::npos) << "only time members are dates";
    EXPECT_NE(html.find("<td>0</td>"), std::string::npos) << "0 means 'not set', not 1970";
}

TEST(PrivacyExportDocument, IndexHtmlSurvivesDeepNesting) {
    Register reg;
    ExportDocument doc;
    ModuleExport m;
    m.module = "deep";
    boost::json::value v = "bottom";
    for (int i = 0; i < 200; ++i) v = boost::json::object{{"k", v}};
    m.group("c", reg).items.push_back(v.as_object());
    doc.modules.push_back(m);
    std::string html = index_html(doc);
    EXPECT_NE(html.find("bottom"), std::string::npos);
}

TEST(PrivacyExportDocument, Manifest) {
    auto j = boost::json::parse(manifest_json({{"export.json", 10, "aa"}, {"files/x", 3, "bb"}}, k2026)).as_object();
    EXPECT_EQ(j.at("algorithm").as_string(), "sha256");
    ASSERT_EQ(j.at("files").as_array().size(), 2u);
    EXPECT_EQ(j.at("files").as_array()[1].as_object().at("path").as_string(), "files/x");
}

// ---- text ----

TEST(PrivacyText, Escaping) {
    EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    EXPECT_EQ(markdown_cell("a|b\nc<d>"), "a\\|b c&lt;d&gt;");
    EXPECT_EQ(markdown_cell(""), "—");
}

// ---- settings ----

TEST(PrivacySettings, DefaultsAndOverrides) {
    Settings d = Settings::from_json({});
    EXPECT_EQ(d.export_retention_days, 7);
    EXPECT_TRUE(d.state_dir.empty());
    ASSERT_NE(d.purpose("gravatar"), nullptr);
    EXPECT_TRUE(d.purpose("gravatar")->requires_opt_in);
    EXPECT_FALSE(d.purpose("ai-prompt-analysis")->requires_opt_in);
    EXPECT_FALSE(d.fail_after_modules.has_value());

    Settings s = Settings::from_json(boost::json::parse(R"({"state_dir":"/x","export":{"retention_days":3},
        "request.retention_days":30,"purposes":{"newsletter":{"requires_opt_in":true}},
        "fail_after_modules":1,"fail_mode":"crash","database":{}})")
                                         .as_object());
    EXPECT_EQ(s.state_dir, "/x");
    EXPECT_EQ(s.export_retention_days, 3);
    EXPECT_EQ(s.request_retention_days, 30);
    EXPECT_TRUE(s.purpose("newsletter")->requires_opt_in);
    EXPECT_EQ(*s.fail_after_modules, 1);
    EXPECT_EQ(s.fail_mode, FailMode::crash);
}

TEST(PrivacySettings, BadValuesAreRefused) {
    for (const char *bad : {R"({"export":{"retention_days":0}})", R"({"export":{"retention_days":"7"}})",
                            R"({"export":5})", R"({"purposes":{"Bad Name":{}}})",
                            R"({"purposes":{"x":{"requires_opt_in":"yes"}}})", R"({"fail_mode":"explode"})",
                            R"({"fail_after_modules":-1})", R"({"state_dir":7})",
                            // misspelt keys must not leave a default in force
                            R"({"exports":{"retention_days":3}})", R"({"export":{"retention_dayz":3}})",
                            R"({"audit.retention_dayz":3})", R"({"purposes":{"x":{"requires_optin":true}}})"})
        EXPECT_EQ(status_of([&] { Settings::from_json(boost::json::parse(bad).as_object()); }),
                  PLINTH_E_INVALID_ARGUMENT)
            << bad;
}

} // namespace
} // namespace plinth::privacy
