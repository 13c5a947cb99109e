// Issue 10, items 1-10: what black-box testing broke in the privacy module, each as a test that
// failed before the fix. Requests belong to a subject and are settled by its erasure; tokens
// reach only the person; erasure reports survive crashes; people read dates.
#include "privacy_fixture.hpp"

namespace plinth::privacy {
namespace {

using namespace test_support;

// The outcomes of an erasure result, by "module|category|item".
std::map<std::string, json::object> outcomes_by_item(const json::object &result) {
    std::map<std::string, json::object> out;
    for (const auto &o : result.at("outcomes").as_array()) {
        const auto &x = o.as_object();
        std::string key = std::string(x.at("module").as_string()) + "|" + std::string(x.at("category").as_string()) +
                          "|" + std::string(x.at("item").as_string());
        EXPECT_TRUE(out.emplace(key, x).second) << "reported twice: " << key;
    }
    return out;
}

size_t zip_files_in(const fs::path &dir) {
    size_t n = 0;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return 0;
    for (const auto &f : fs::directory_iterator(dir)) n += f.path().extension() == ".zip";
    return n;
}

int64_t count(TestDatabase &db, const std::string &sql) { return db.sql().query(sql).at(0).i64(0); }

// Items 1, 2 and 8: an export killed mid-run (its staging on disk, the request still "running")
// is settled by the person's erasure: cancelled, staging deleted, both reported; it can never be
// packed afterwards. The erasure itself is killed too and `erase.run` resumes it. No plain address
// stays behind, and the sweep honours every until-date the erasure reported.
TEST_F(PrivacyIntegration, AnInterruptedExportIsSettledByTheErasureAndNeverPacked) {
    REQUIRE_MODULES(kStandard);
    start(kStandard, {{"privacy", {{"fail_after_modules", 2}, {"fail_mode", "crash"}}}});
    Person ann = make_person("ann");
    populate(ann);
    const fs::path privacy_dir = fs::path(host_->state_dir()) / "privacy";

    EXPECT_EQ(fails("privacy", "export.run", {{"email", ann.email}}), PLINTH_E_INTERNAL);
    auto running = privacy("request.list", {{"status", "running"}}, staff(1)).at("requests").as_array();
    ASSERT_EQ(running.size(), 1u);
    const int64_t export_id = running[0].as_object().at("request_id").as_int64();
    const fs::path staging = privacy_dir / "work" / std::to_string(export_id);
    ASSERT_TRUE(fs::exists(staging)) << "the killed export left its staging";

    // The erasure's first run is killed as well (the injection hits every first run) ...
    EXPECT_EQ(fails("privacy", "erase.run", {{"email", ann.email}}), PLINTH_E_INTERNAL);
    EXPECT_EQ(privacy("request.get", {{"request_id", export_id}}).at("status").as_string(), "cancelled")
        << "an erasure settles the person's other requests before any module erases";
    // ... and the operator's next `privacy erase` resumes it, although accounts no longer knows
    // the address.
    auto erased = privacy("erase.run", {{"email", ann.email}});
    EXPECT_TRUE(erased.at("resumed").as_bool());
    const int64_t erase_id = erased.at("request_id").as_int64();
    auto items = outcomes_by_item(erased);

    EXPECT_FALSE(fs::exists(staging));
    ASSERT_TRUE(items.count("privacy|export archives|export staging of request " + std::to_string(export_id)));
    EXPECT_EQ(items["privacy|export archives|export staging of request " + std::to_string(export_id)].at("outcome"),
              "removed");
    const std::string request_item = "privacy|data subject requests|request " + std::to_string(export_id);
    ASSERT_TRUE(items.count(request_item));
    EXPECT_EQ(items[request_item].at("outcome"), "retained");

    auto cancelled = privacy("request.get", {{"request_id", export_id}});
    EXPECT_EQ(cancelled.at("status").as_string(), "cancelled");
    EXPECT_EQ(cancelled.at("cancelled_by").as_int64(), erase_id);
    std::string message;
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", export_id}}, staff(1), &message), PLINTH_E_CONFLICT);
    EXPECT_NE(message.find("cancelled"), std::string::npos) << message;
    EXPECT_EQ(zip_files_in(privacy_dir / "exports"), 0u) << "no archive of erased data exists";
    EXPECT_FALSE(fs::exists(staging));

    // Item 2: no plain address in the privacy module's tables, only keyed hashes.
    EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM privacy_requests WHERE email IS NOT NULL"), 0);
    const std::string dump = db_->dump_all_tables();
    for (const auto &address : {ann.email, ann.old_email})
        for (const auto &table : tables_containing(dump, address))
            EXPECT_NE(table.rfind("privacy_", 0), 0u) << address << " is still in " << table;

    // The sweep honours every until-date the erasure reported for the privacy module's records.
    int64_t latest = 0;
    std::vector<std::pair<std::string, int64_t>> kept; // (item, until)
    for (const auto &[key, o] : items)
        if (o.at("module") == "privacy" && o.at("outcome") == "retained") {
            kept.emplace_back(std::string(o.at("item").as_string()), o.at("retained_until_at").as_int64());
            latest = std::max(latest, o.at("retained_until_at").as_int64());
        }
    ASSERT_FALSE(kept.empty());
    host_->set_now_s(latest);
    privacy("sweep", json::object{});
    for (const auto &[item, until] : kept) {
        const std::string id = item.substr(item.rfind(' ') + 1);
        const std::string table = item.rfind("consent record", 0) == 0 ? "privacy_consent_events" : "privacy_requests";
        EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM " + table + " WHERE id = " + id), 0)
            << item << " outlived its reported until-date " << until;
    }
}

// Item 3: requests belong to a subject. Whoever registers an erased person's address later does
// not see that person's requests (or consent records) in their own export.
TEST_F(PrivacyIntegration, ANewHolderOfAFreedAddressDoesNotSeeThePreviousHoldersRequests) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    const std::string address = "shared.box@example.org";
    int64_t ann = register_user(address, "ann_first", "Ann", "First");
    privacy("consent.grant", {{"purpose", "newsletter"}, {"policy_version", "v1"}, {"source", "signup"}}, user(ann));
    const int64_t ann_export = privacy("export.run", {{"email", address}}).at("request_id").as_int64();
    const int64_t ann_erase = privacy("erase.run", {{"email", address}}).at("request_id").as_int64();

    int64_t carl = register_user(address, "carl_second", "Carl", "Second");
    ASSERT_NE(carl, ann);
    auto carl_export = privacy("export.run", {{"email", address}});
    const int64_t carl_request = carl_export.at("request_id").as_int64();
    auto doc = json::parse(read_zip_entry(std::string(carl_export.at("archive").as_string()), "export.json")).as_object();
    std::set<int64_t> listed;
    size_t consent_items = 0;
    for (const auto &m : doc.at("modules").as_array()) {
        if (m.as_object().at("module") != "privacy") continue;
        for (const auto &g : m.as_object().at("categories").as_array()) {
            const auto &group = g.as_object();
            if (group.at("category") == "data subject requests")
                for (const auto &i : group.at("items").as_array()) listed.insert(i.as_object().at("request_id").as_int64());
            if (group.at("category") == "consent records") consent_items += group.at("items").as_array().size();
        }
    }
    EXPECT_EQ(listed, std::set<int64_t>{carl_request}) << "ann's requests " << ann_export << ", " << ann_erase;
    EXPECT_EQ(consent_items, 0u) << "ann's consent record is kept as proof, not shown to carl";
    EXPECT_EQ(fails("privacy", "request.get", {{"request_id", ann_export}}, user(carl)), PLINTH_E_NOT_FOUND);
    EXPECT_TRUE(privacy("consent.history", json::object{}, user(carl)).at("history").as_array().empty());
}

// Item 4: the reveal log rows about a person's credentials are reported at erasure (retained
// with basis and date), and the person's export says who saw the credentials and when.
TEST_F(PrivacyIntegration, CredentialRevealsAreExportedAndReportedAtErasure) {
    REQUIRE_MODULES({"accounts", "tickets", "privacy"});
    start({"accounts", "tickets", "privacy"});
    int64_t ann = register_user("rev.ann@example.org", "rev_ann", "Ann", "Reveal");
    int64_t sam = register_user("rev.sam@example.org", "rev_sam", "Sam", "Support");
    call("accounts", "role.set", {{"user_id", sam}, {"role", "staff"}});
    int64_t ticket = call("tickets", "ticket.create", {{"subject", "Login needed"}, {"description", "please look"}},
                          user(ann))
                         .as_object()
                         .at("id")
                         .as_int64();
    int64_t credential = call("tickets", "credential.add",
                              {{"ticket_id", ticket},
                               {"site_url", "https://shop.example/wp-admin"},
                               {"username", "support-login"},
                               {"password", "Tr0ub4dor&3-unique"}},
                              user(ann))
                             .as_object()
                             .at("id")
                             .as_int64();
    host_->advance_s(3600);
    call("tickets", "credential.reveal", {{"credential_id", credential}}, staff(sam));
    const int64_t revealed_at = host_->now_us() / 1000000;

    auto exported = privacy("export.run", {{"email", "rev.ann@example.org"}});
    auto doc = json::parse(read_zip_entry(std::string(exported.at("archive").as_string()), "export.json")).as_object();
    const json::object *reveal = nullptr;
    for (const auto &m : doc.at("modules").as_array())
        for (const auto &g : m.as_object().at("categories").as_array())
            if (g.as_object().at("category") == "credential reveal log" && !g.as_object().at("items").as_array().empty())
                reveal = &g.as_object().at("items").as_array()[0].as_object();
    ASSERT_NE(reveal, nullptr) << "the export lists who revealed the credentials";
    EXPECT_EQ(reveal->at("revealed_by_staff_id").as_int64(), sam);
    EXPECT_EQ(reveal->at("revealed_at").as_int64(), revealed_at);
    EXPECT_EQ(reveal->at("credential_id").as_int64(), credential);
    const std::string html = read_zip_entry(std::string(exported.at("archive").as_string()), "index.html");
    EXPECT_NE(html.find("support staff member " + std::to_string(sam)), std::string::npos);

    auto erased = privacy("erase.run", {{"email", "rev.ann@example.org"}});
    bool reported = false;
    for (const auto &[key, o] : outcomes_by_item(erased)) {
        if (o.at("module") != "tickets" || o.at("category") != "credential reveal log") continue;
        reported = true;
        EXPECT_EQ(o.at("outcome"), "retained") << key;
        EXPECT_FALSE(o.at("legal_basis").as_string().empty());
        EXPECT_GT(o.at("retained_until_at").as_int64(), revealed_at);
    }
    EXPECT_TRUE(reported) << "the reveal rows about ann's ticket are not kept silently";
    EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM tickets_credential_reveals WHERE ticket_id = " + std::to_string(ticket)), 1);
}

// Items 5 and 6: the token reaches the person only, and works once. Staff never see it; erasing
// staff or an administrator needs an administrator; a host that cannot deliver refuses.
TEST_F(PrivacyIntegration, TheTokenReachesThePersonOnlyAndAdministratorsNeedAnAdministrator) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t cara = register_user("cara.old@example.org", "cara", "Cara", "Customer");
    call("accounts", "email.change", {{"email", "cara@example.org"}, {"password", kPassword}}, user(cara));
    int64_t ada = register_user("ada@example.org", "ada", "Ada", "Admin");
    int64_t sam = register_user("sam@example.org", "sam", "Sam", "Staff");
    int64_t sid = register_user("sid@example.org", "sid", "Sid", "Staff");
    call("accounts", "role.set", {{"user_id", ada}, {"role", "admin"}});
    call("accounts", "role.set", {{"user_id", sam}, {"role", "staff"}});
    call("accounts", "role.set", {{"user_id", sid}, {"role", "staff"}});

    // Staff ask for a customer's erasure with an old address: the token goes to the customer's
    // current address, never back to staff.
    auto made = privacy("request.create", {{"email", "cara.old@example.org"}, {"kind", "erase"}}, staff(sam));
    EXPECT_FALSE(made.contains("token"));
    EXPECT_EQ(made.at("confirmation").as_string(), "sent to the person's email address");
    const int64_t rid = made.at("request_id").as_int64();
    const std::string token = mailed_token(rid, "cara@example.org");
    EXPECT_EQ(token.size(), 64u);
    EXPECT_TRUE(mailed_token(rid, "cara.old@example.org").empty());
    EXPECT_TRUE(mailed_token(rid, "sam@example.org").empty());
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", rid}}, staff(sam)), PLINTH_E_CONFLICT)
        << "staff cannot go on without the person's confirmation";

    // Item 5: one use.
    privacy("request.confirm", {{"request_id", rid}, {"token", token}}, kAnonymous);
    std::string message;
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", rid}, {"token", token}}, kAnonymous, &message),
              PLINTH_E_CONFLICT);
    EXPECT_NE(message.find("already confirmed"), std::string::npos) << message;

    // Erasing an administrator or a staff member needs an administrator.
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "ada@example.org"}, {"kind", "erase"}}, staff(sam), &message),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_NE(message.find("administrator"), std::string::npos) << message;
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "sam@example.org"}, {"kind", "erase"}}, staff(sid)),
              PLINTH_E_PERMISSION_DENIED);
    auto by_admin = privacy("request.create", {{"email", "sid@example.org"}, {"kind", "erase"}}, admin(ada));
    EXPECT_EQ(mailed_token(by_admin.at("request_id").as_int64(), "sid@example.org").size(), 64u);
    EXPECT_NO_THROW(privacy("request.create", {{"email", "sam@example.org"}, {"kind", "erase"}}, user(sam)))
        << "staff may ask for their own erasure";

    // A host that cannot deliver the token refuses, and nothing changes.
    int64_t nia = register_user("nia@example.org", "nia", "Nia", "Nomail");
    deliver_mail(false);
    const std::string before = db_->dump_all_tables();
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "nia@example.org"}, {"kind", "export"}}, user(nia), &message),
              PLINTH_E_UNAVAILABLE);
    EXPECT_NE(message.find("never handed to whoever asked"), std::string::npos) << message;
    EXPECT_EQ(db_->dump_all_tables(), before);

    // The console operator is the one caller that receives the token.
    auto console = privacy("request.create", {{"email", "nia@example.org"}, {"kind", "export"}});
    EXPECT_EQ(console.at("token").as_string().size(), 64u);
}

// Item 7: a 240-byte attachment name (tickets prefix it with their folders) no longer fails the
// export; and a failed request never blocks the person's next one.
TEST_F(PrivacyIntegration, LongAttachmentNamesExportAndAFailedRequestNeverBlocks) {
    REQUIRE_MODULES({"accounts", "tickets", "privacy"});
    start({"accounts", "tickets", "privacy"}, {{"privacy", {{"fail_after_modules", 1}}}});
    int64_t lou = register_user("lou@example.org", "lou", "Lou", "Longname");
    int64_t ticket = call("tickets", "ticket.create", {{"subject", "Logs"}, {"description", "see the log"}}, user(lou))
                         .as_object()
                         .at("id")
                         .as_int64();
    const std::string long_name = std::string(236, 'n') + ".log";
    const std::string bytes = attachment_bytes("LONGNAME");
    call("tickets", "attachment.add",
         {{"ticket_id", ticket}, {"file_name", long_name}, {"media_type", "text/plain"}, {"content_base64", base64(bytes)}},
         user(lou));

    // The first run of every request fails by injection: the request ends "failed" ...
    const int64_t first = create_and_confirm("lou@example.org", "export", user(lou), "lou@example.org");
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", first}}, staff(1)), PLINTH_E_INTERNAL);
    EXPECT_EQ(privacy("request.get", {{"request_id", first}}).at("status").as_string(), "failed");
    // ... and the person's new request replaces it instead of being refused.
    auto second = privacy("request.create", {{"email", "lou@example.org"}, {"kind", "export"}}, user(lou));
    const int64_t second_id = second.at("request_id").as_int64();
    ASSERT_EQ(second.at("replaced").as_array().size(), 1u);
    EXPECT_EQ(second.at("replaced").as_array()[0].as_int64(), first);
    auto old = privacy("request.get", {{"request_id", first}});
    EXPECT_EQ(old.at("status").as_string(), "cancelled");
    EXPECT_EQ(old.at("cancelled_by").as_int64(), second_id);
    EXPECT_FALSE(fs::exists(fs::path(host_->state_dir()) / "privacy" / "work" / std::to_string(first)));

    // The new one, failed by the injection on its first run too, resumes and completes with the
    // long name.
    privacy("request.confirm", {{"request_id", second_id}, {"token", mailed_token(second_id, "lou@example.org")}},
            kAnonymous);
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", second_id}}, staff(1)), PLINTH_E_INTERNAL);
    auto result = privacy("request.execute", {{"request_id", second_id}}, staff(1));
    const std::string archive(result.at("archive").as_string());
    bool found = false;
    for (const auto &entry : list_zip_entries(archive)) {
        if (entry.rfind("files/tickets/", 0) != 0) continue;
        found = true;
        EXPECT_LE(entry.size(), 255u) << entry;
        EXPECT_EQ(entry.substr(entry.size() - 4), ".log") << entry;
        EXPECT_EQ(read_zip_entry(archive, entry), bytes);
    }
    EXPECT_TRUE(found);
    EXPECT_NE(read_zip_entry(archive, "export.json").find(long_name), std::string::npos)
        << "the item still names the file as the module did";
}

// Item 8: killed inside a module (its sink stops after N outcomes) and resumed, tickets and
// prompts report every item exactly once: each outcome is reported inside the transaction that
// makes its change. The resumed result equals the dry run's preview for those modules.
TEST_F(PrivacyIntegration, AnErasureKilledInsideAModuleReportsEveryItemExactlyOnce) {
    REQUIRE_MODULES(kStandard);
    start(kStandard, {{"privacy", {{"fail_after_items", 12}}}});
    // Tia: many ticket items; Pat: more prompts than one erasure batch.
    int64_t tia = register_user("tia@example.org", "tia", "Tia", "Tickets");
    for (int t = 0; t < 6; ++t) {
        int64_t ticket = call("tickets", "ticket.create",
                              {{"subject", "ticket " + std::to_string(t)},
                               {"description", "text"},
                               {"environment", {{"cms", {{"name", "WordPress"}, {"version", "6.5"}}}}}},
                              user(tia))
                             .as_object()
                             .at("id")
                             .as_int64();
        call("tickets", "ticket.reply", {{"ticket_id", ticket}, {"body", "more"}}, user(tia));
        call("tickets", "attachment.add",
             {{"ticket_id", ticket}, {"file_name", "a.txt"}, {"media_type", "text/plain"},
              {"content_base64", base64("bytes " + std::to_string(t))}},
             user(tia));
    }
    int64_t pat = register_user("pat@example.org", "pat", "Pat", "Prompts");
    for (int i = 0; i < 520; ++i)
        call("prompts", "prompt.record",
             {{"feature", "chat"}, {"model", "m"}, {"prompt", "p" + std::to_string(i)}, {"input_tokens", 1},
              {"output_tokens", 1}, {"latency_ms", 5}},
             user(pat));

    for (const auto &[email, module, expected_min] :
         {std::tuple<std::string, std::string, size_t>{"tia@example.org", "tickets", 24},
          std::tuple<std::string, std::string, size_t>{"pat@example.org", "prompts", 521}}) {
        auto preview = outcomes_by_item(privacy("erase.run", {{"email", email}, {"dry_run", true}}));
        std::set<std::string> expected;
        for (const auto &[key, o] : preview)
            if (o.at("module").as_string() == module) expected.insert(key);
        ASSERT_GE(expected.size(), expected_min) << module;

        std::string message;
        EXPECT_EQ(fails("privacy", "erase.run", {{"email", email}}, kSystem, &message), PLINTH_E_INTERNAL) << email;
        EXPECT_NE(message.find("fail_after_items"), std::string::npos) << message;
        auto failed = privacy("request.list", {{"status", "failed"}}, staff(1)).at("requests").as_array();
        ASSERT_EQ(failed.size(), 1u);
        const int64_t rid = failed[0].as_object().at("request_id").as_int64();
        EXPECT_GT(count(*db_, "SELECT COUNT(*) FROM privacy_erasure_outcomes WHERE request_id = " + std::to_string(rid) +
                                  " AND module = '" + module + "'"),
                  0)
            << "the injected failure hit " << module << " in the middle";

        auto finished = privacy("erase.run", {{"email", email}});
        EXPECT_EQ(finished.at("request_id").as_int64(), rid);
        std::set<std::string> got;
        for (const auto &[key, o] : outcomes_by_item(finished))
            if (o.at("module").as_string() == module) got.insert(key);
        EXPECT_EQ(got, expected) << module << ": " << got.size() << " reported, " << expected.size() << " expected";
    }
    EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM prompts_log WHERE user_id = " + std::to_string(pat)), 0);
    EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM tickets_tickets WHERE owner_id = " + std::to_string(tia)), 0);
}

// Items 9 and 10: the dry run changes nothing at all (no audit entry either), and the erasure's
// output shows dates as ISO 8601.
TEST_F(PrivacyIntegration, TheDryRunWritesNothingAndOutcomesShowDates) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t dora = register_user("dora@example.org", "dora", "Dora", "Dry");
    privacy("consent.grant", {{"purpose", "newsletter"}, {"policy_version", "v1"}, {"source", "signup"}}, user(dora));
    const std::string before = db_->dump_all_tables();
    auto preview = privacy("erase.run", {{"email", "dora@example.org"}, {"dry_run", true}});
    EXPECT_FALSE(preview.at("outcomes").as_array().empty());
    EXPECT_EQ(db_->dump_all_tables(), before) << "a dry run changes nothing, the audit log included";

    auto erased = privacy("erase.run", {{"email", "dora@example.org"}});
    bool dated = false;
    for (const auto &o : erased.at("outcomes").as_array()) {
        const auto &x = o.as_object();
        if (x.at("outcome") != "retained") {
            EXPECT_TRUE(x.at("retained_until").is_null());
            continue;
        }
        const std::string until(x.at("retained_until").as_string());
        EXPECT_TRUE(std::regex_match(until, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << until;
        EXPECT_GT(x.at("retained_until_at").as_int64(), 0);
        dated = true;
    }
    EXPECT_TRUE(dated);
}

// Item 24: the consent ledger's name-like fields refuse control and bidi formatting characters.
TEST_F(PrivacyIntegration, ConsentLabelsRefuseControlAndBidiCharacters) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t id = register_user("bidi@example.org", "bidi", "Bi", "Di");
    const std::string before = db_->dump_all_tables();
    for (const std::string &bad : {std::string("web\xe2\x80\xae" "form"), std::string("v1\xc2\x9b"), std::string("a\x1b[2J")}) {
        EXPECT_EQ(fails("privacy", "consent.grant", {{"purpose", "newsletter"}, {"policy_version", "v1"}, {"source", bad}},
                        user(id)),
                  PLINTH_E_INVALID_ARGUMENT);
        EXPECT_EQ(fails("privacy", "consent.grant", {{"purpose", "newsletter"}, {"policy_version", bad}, {"source", "web"}},
                        user(id)),
                  PLINTH_E_INVALID_ARGUMENT);
    }
    EXPECT_EQ(db_->dump_all_tables(), before);
}

} // namespace
} // namespace plinth::privacy
