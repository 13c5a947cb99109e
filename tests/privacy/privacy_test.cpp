// The privacy module against the real MariaDB sandbox, with every standard module loaded in one
// host: data created through each module's own commands, then exported, erased, swept.
//
// Until a module's shared object is built the tests that need it are skipped with a message
// naming it, so the privacy module can be developed alongside the others.
#include "privacy_fixture.hpp"

namespace plinth::privacy {
namespace {

using namespace test_support;

// ---------------------------------------------------------------------------------------------

TEST_F(PrivacyIntegration, ExportHoldsEveryItemAndEraseLeavesNothingIdentifying) {
    REQUIRE_MODULES(kStandard);
    start(kStandard);
    Person ann = make_person("ann");
    Person bob = make_person("bob");
    populate(ann);
    populate(bob);
    const std::string before = db_->dump_all_tables();
    for (const auto &v : ann.identifying()) ASSERT_NE(before.find(v), std::string::npos) << "setup did not store " << v;

    // ---- export, asked for with the address the person no longer uses ----
    auto exported = privacy("export.run", {{"email", ann.old_email}});
    const fs::path archive(std::string(exported.at("archive").as_string()));
    ASSERT_TRUE(fs::exists(archive));
    struct stat st {};
    ::stat(archive.c_str(), &st);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(archive.parent_path(), fs::path(host_->state_dir()) / "privacy" / "exports");
    EXPECT_GT(exported.at("items").as_int64(), 8);

    const std::string export_text = read_zip_entry(archive, "export.json");
    auto doc = json::parse(export_text).as_object();
    EXPECT_EQ(doc.at("schema").as_string(), "plinth.privacy.export/1");
    EXPECT_EQ(doc.at("subject").as_object().at("user_id").as_int64(), ann.user_id);
    for (const auto &v : ann.identifying()) {
        if (v == ann.attachment_marker) continue; // bytes are files, checked below
        EXPECT_NE(export_text.find(v), std::string::npos) << "export.json lacks " << v;
    }
    for (const auto &v : bob.identifying()) EXPECT_EQ(export_text.find(v), std::string::npos) << "leaked " << v;

    // Every module with personal data has a group per declared category, with its purpose.
    std::set<std::string> modules_seen;
    int64_t items = 0;
    for (const auto &m : doc.at("modules").as_array()) {
        modules_seen.insert(std::string(m.as_object().at("module").as_string()));
        for (const auto &g : m.as_object().at("categories").as_array()) {
            const auto &group = g.as_object();
            items += static_cast<int64_t>(group.at("items").as_array().size());
            if (group.at("declared").as_bool()) {
                EXPECT_FALSE(group.at("purpose").as_string().empty());
                EXPECT_FALSE(group.at("legal_basis").as_string().empty());
            }
        }
    }
    EXPECT_EQ(items, exported.at("items").as_int64());
    for (const auto &m : kStandard) EXPECT_TRUE(modules_seen.count(m)) << "no group for module " << m;

    // Attachments: byte-identical, and every file matches the manifest.
    auto manifest = json::parse(read_zip_entry(archive, "manifest.json")).as_object();
    std::map<std::string, std::string> digests;
    for (const auto &f : manifest.at("files").as_array())
        digests[std::string(f.as_object().at("path").as_string())] = std::string(f.as_object().at("sha256").as_string());
    auto entries = list_zip_entries(archive);
    int attachments = 0;
    for (const auto &name : entries) {
        if (name == "manifest.json") continue;
        ASSERT_TRUE(digests.count(name)) << name << " is not in the manifest";
        std::string bytes = read_zip_entry(archive, name);
        EXPECT_EQ(sha256_hex(bytes), digests[name]) << name;
        if (name.rfind("files/tickets/", 0) == 0) {
            EXPECT_EQ(bytes, ann.attachment);
            ++attachments;
        }
    }
    EXPECT_EQ(attachments, 1);
    EXPECT_EQ(digests.size() + 1, entries.size());
    const std::string html = read_zip_entry(archive, "index.html");
    EXPECT_NE(html.find(ann.ticket_text), std::string::npos);

    // ---- a dry run shows what would happen and changes nothing in the modules ----
    auto preview = privacy("erase.run", {{"email", ann.email}, {"dry_run", true}});
    EXPECT_TRUE(preview.at("dry_run").as_bool());
    EXPECT_FALSE(preview.contains("request_id"));
    EXPECT_GT(preview.at("outcomes").as_array().size(), 5u);
    const std::string after_preview = db_->dump_all_tables();
    for (const auto &v : ann.identifying()) EXPECT_NE(after_preview.find(v), std::string::npos) << v;
    EXPECT_TRUE(fs::exists(archive));

    // ---- erase ----
    auto erased = privacy("erase.run", {{"email", ann.email}});
    ASSERT_TRUE(erased.contains("request_id"));
    const auto &outcomes = erased.at("outcomes").as_array();
    auto summary = erased.at("summary").as_object();
    EXPECT_EQ(summary.at("removed").as_int64() + summary.at("anonymised").as_int64() + summary.at("retained").as_int64(),
              static_cast<int64_t>(outcomes.size()));
    EXPECT_GT(summary.at("removed").as_int64(), 0);
    std::map<std::string, bool> retained_with_basis; // module -> has a retained item with basis
    std::set<std::string> seen_items;
    for (const auto &o : outcomes) {
        const auto &x = o.as_object();
        std::string key = std::string(x.at("module").as_string()) + "|" + std::string(x.at("category").as_string()) +
                          "|" + std::string(x.at("item").as_string());
        EXPECT_TRUE(seen_items.insert(key).second) << "duplicate outcome " << key;
        if (x.at("outcome").as_string() == "retained") {
            EXPECT_FALSE(x.at("legal_basis").as_string().empty()) << key;
            EXPECT_GT(x.at("retained_until_at").as_int64(), host_->now_us() / 1000000) << key;
            retained_with_basis[std::string(x.at("module").as_string())] = true;
        }
    }
    EXPECT_FALSE(fs::exists(archive)) << "the export archive is a copy and goes with the erasure";
    bool archive_reported = false;
    for (const auto &o : outcomes)
        archive_reported = archive_reported || (o.as_object().at("category").as_string() == "export archives" &&
                                                o.as_object().at("outcome").as_string() == "removed");
    EXPECT_TRUE(archive_reported);

    // Nothing identifying remains anywhere, except in what a module reported as retained.
    const std::string after = db_->dump_all_tables();
    for (const auto &v : ann.identifying()) {
        for (const auto &table : tables_containing(after, v)) {
            const std::string module = table.substr(0, table.find('_'));
            EXPECT_TRUE(retained_with_basis[module])
                << "'" << v << "' is still in table " << table << " but module '" << module
                << "' reported nothing retained with a legal basis";
        }
    }

    // The second person is untouched.
    for (const auto &v : bob.identifying()) EXPECT_NE(after.find(v), std::string::npos) << "bob lost " << v;
    EXPECT_NO_THROW(call("accounts", "login", {{"login", bob.username}, {"password", kPassword}}, kAnonymous));
    auto bob_export = privacy("export.run", {{"email", bob.email}});
    const std::string bob_text =
        read_zip_entry(std::string(bob_export.at("archive").as_string()), "export.json");
    EXPECT_NE(bob_text.find(bob.ticket_text), std::string::npos);
    EXPECT_NE(bob_text.find(bob.prompt_text), std::string::npos);

    // Ann is gone for the modules: no login, an empty export, and erasing again changes nothing.
    EXPECT_NE(fails("accounts", "login", {{"login", ann.username}, {"password", kPassword}}, kAnonymous), PLINTH_OK);
    auto again = privacy("erase.run", {{"email", ann.email}});
    for (const auto &o : again.at("outcomes").as_array())
        EXPECT_NE(o.as_object().at("outcome").as_string(), "removed")
            << "second erasure removed " << json::serialize(o);

    // The request is on record with its deadline and audit trail, and the audit chain holds.
    auto req = privacy("request.get", {{"request_id", erased.at("request_id")}});
    EXPECT_EQ(req.at("status").as_string(), "completed");
    EXPECT_EQ(req.at("email"), json::value(nullptr)) << "the erased address is not kept in the request";
    EXPECT_EQ(req.at("deadline").as_string(), "2026-02-01T00:00:00Z");
    EXPECT_GE(req.at("audit").as_array().size(), 6u);
    EXPECT_TRUE(privacy("audit.verify", json::object{}).at("intact").as_bool());
}

TEST_F(PrivacyIntegration, WithdrawnGravatarConsentRemovesTheUrl) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t id = register_user("gina@example.org", "gina", "Gina", "Grey");
    auto opted = call("accounts", "gravatar.opt_in", json::object{}, user(id)).as_object();
    ASSERT_FALSE(opted.at("gravatar_url").is_null());

    auto r = privacy("consent.withdraw", {{"purpose", "gravatar"}, {"source", "profile page"}}, user(id));
    EXPECT_FALSE(r.at("allowed").as_bool());
    bool accounts_told = false;
    for (const auto &l : r.at("notified").as_array()[0].as_object().at("listeners").as_array())
        if (l.as_object().at("module").as_string() == "accounts") accounts_told = l.as_object().at("ok").as_bool();
    EXPECT_TRUE(accounts_told);
    auto profile = call("accounts", "profile.get", json::object{}, user(id)).as_object();
    EXPECT_TRUE(profile.at("gravatar_url").is_null());
    EXPECT_EQ(fails("accounts", "gravatar.opt_in", json::object{}, user(id)), PLINTH_E_PERMISSION_DENIED)
        << "a withdrawal stands until a new grant";

    privacy("consent.grant", {{"purpose", "gravatar"}, {"policy_version", "v3"}, {"source", "profile page"}}, user(id));
    profile = call("accounts", "profile.get", json::object{}, user(id)).as_object();
    EXPECT_FALSE(profile.at("gravatar_url").is_null());

    auto history = privacy("consent.history", {{"email", "gina@example.org"}}, staff(999));
    ASSERT_EQ(history.at("history").as_array().size(), 2u);
    EXPECT_EQ(history.at("history").as_array()[0].as_object().at("action").as_string(), "withdraw");
    EXPECT_EQ(history.at("history").as_array()[1].as_object().at("policy_version").as_string(), "v3");
    EXPECT_TRUE(history.at("current").as_object().at("gravatar").as_bool());
}

TEST_F(PrivacyIntegration, RestrictionAndObjectionStopPromptRecording) {
    REQUIRE_MODULES({"accounts", "prompts", "privacy"});
    start({"accounts", "prompts", "privacy"});
    int64_t olga = register_user("olga@example.org", "olga", "Olga", "Objector");
    int64_t rita = register_user("rita@example.org", "rita", "Rita", "Restricted");
    int64_t norm = register_user("norm@example.org", "norm", "Norm", "Normal");
    auto record = [&](int64_t id) {
        return call("prompts", "prompt.record",
                    {{"feature", "chat"}, {"model", "m"}, {"prompt", "hello"}, {"input_tokens", 1},
                     {"output_tokens", 1}, {"latency_ms", 5}},
                    user(id))
            .as_object()
            .at("stored")
            .as_bool();
    };
    EXPECT_TRUE(record(olga));
    privacy("consent.object", {{"purpose", "ai-prompt-analysis"}}, user(olga));
    EXPECT_FALSE(record(olga));

    // Restriction through the request flow: created, confirmed with the token, executed.
    auto created = privacy("request.create", {{"email", "rita@example.org"}, {"kind", "restrict"}}, user(rita));
    privacy("request.confirm",
            {{"request_id", created.at("request_id")},
             {"token", mailed_token(created.at("request_id").as_int64(), "rita@example.org")}},
            kAnonymous);
    EXPECT_TRUE(record(rita)) << "nothing changes before the request is executed";
    auto done = privacy("request.execute", {{"request_id", created.at("request_id")}}, staff(1));
    EXPECT_EQ(done.at("kind").as_string(), "restrict");
    EXPECT_FALSE(record(rita));
    EXPECT_EQ(fails("privacy", "consent.lift_restriction", {{"user_id", rita}}, user(rita)), PLINTH_E_PERMISSION_DENIED);
    privacy("consent.lift_restriction", {{"user_id", rita}}, staff(1));
    EXPECT_TRUE(record(rita));

    EXPECT_TRUE(record(norm)) << "others are not affected";
    auto check = privacy("consent.check", {{"user_id", olga}, {"purpose", "ai-prompt-analysis"}}, staff(1));
    EXPECT_FALSE(check.at("allowed").as_bool());
}

TEST_F(PrivacyIntegration, TokensExpireAndDuplicatesAreRefused) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t id = register_user("tom@example.org", "tom", "Tom", "Token");
    register_user("eve@example.org", "eve", "Eve", "Other");

    auto first = privacy("request.create", {{"email", "tom@example.org"}, {"kind", "export"}}, user(id));
    EXPECT_EQ(first.at("status").as_string(), "pending");
    EXPECT_FALSE(first.contains("token")) << "the token reaches the person by mail, not the caller";
    EXPECT_EQ(first.at("deadline").as_string(), "2026-02-01T00:00:00Z");
    const std::string token = mailed_token(first.at("request_id").as_int64(), "tom@example.org");
    ASSERT_EQ(token.size(), 64u);

    // Nothing about the token is stored in a form that gives it back.
    EXPECT_EQ(db_->dump_all_tables().find(token), std::string::npos);

    std::string message;
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "TOM@example.org"}, {"kind", "export"}}, user(id), &message),
              PLINTH_E_CONFLICT);
    EXPECT_NE(message.find("open export request"), std::string::npos) << message;
    EXPECT_NO_THROW(privacy("request.create", {{"email", "tom@example.org"}, {"kind", "erase"}}, user(id)))
        << "another kind is a separate request";
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "eve@example.org"}, {"kind", "export"}}, user(id)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("privacy", "request.create", {{"email", "tom@example.org"}, {"kind", "export"}}, kAnonymous),
              PLINTH_E_UNAUTHENTICATED);

    const int64_t rid = first.at("request_id").as_int64();
    std::string wrong = token;
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", rid}, {"token", wrong}}, kAnonymous),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", rid + 1000}, {"token", token}}, kAnonymous),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", rid}, {"token", "xyz"}}, kAnonymous),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", rid}}, staff(1)), PLINTH_E_CONFLICT)
        << "not confirmed yet";
    EXPECT_EQ(privacy("request.get", {{"request_id", rid}}, user(id)).at("status").as_string(), "pending");

    host_->advance_s(24 * 3600);
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", rid}, {"token", token}}, kAnonymous),
              PLINTH_E_EXPIRED);
    auto expired = privacy("request.get", {{"request_id", rid}}, user(id));
    EXPECT_EQ(expired.at("status").as_string(), "expired");
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", rid}}, staff(1)), PLINTH_E_EXPIRED);

    // The expired request no longer blocks a new one, which runs through.
    auto second = privacy("request.create", {{"email", "tom@example.org"}, {"kind", "export"}}, user(id));
    const std::string second_token = mailed_token(second.at("request_id").as_int64(), "tom@example.org");
    auto confirmed = privacy("request.confirm", {{"request_id", second.at("request_id")}, {"token", second_token}},
                             kAnonymous);
    EXPECT_EQ(confirmed.at("status").as_string(), "confirmed");
    // Issue 10 item 5: the token works once; a second confirmation is a clear conflict.
    std::string again;
    EXPECT_EQ(fails("privacy", "request.confirm", {{"request_id", second.at("request_id")}, {"token", second_token}},
                    kAnonymous, &again),
              PLINTH_E_CONFLICT);
    EXPECT_NE(again.find("already confirmed"), std::string::npos) << again;
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", second.at("request_id")}}, user(id)),
              PLINTH_E_PERMISSION_DENIED);
    auto result = privacy("request.execute", {{"request_id", second.at("request_id")}}, staff(1));
    EXPECT_TRUE(fs::exists(std::string(result.at("archive").as_string())));
    auto repeat = privacy("request.execute", {{"request_id", second.at("request_id")}}, staff(1));
    EXPECT_EQ(repeat.at("archive"), result.at("archive")) << "a completed request is never run twice";

    // Other people's requests do not exist for a customer.
    int64_t eve = call("accounts", "subject.resolve", {{"email", "eve@example.org"}}).as_object().at("user_id").as_int64();
    EXPECT_EQ(fails("privacy", "request.get", {{"request_id", rid}}, user(eve)), PLINTH_E_NOT_FOUND);
    auto list = privacy("request.list", {{"status", "expired"}}, staff(1));
    ASSERT_EQ(list.at("requests").as_array().size(), 1u);
    EXPECT_EQ(fails("privacy", "request.list", json::object{}, user(id)), PLINTH_E_PERMISSION_DENIED);
}

TEST_F(PrivacyIntegration, ConcurrentCreatesAndExecutesDoNotDouble) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t id = register_user("cora@example.org", "cora", "Cora", "Current");
    call("accounts", "email.change", {{"email", "cora.new@example.org"}, {"password", kPassword}}, user(id));

    // Eight creations at once, half with the old address: exactly one request opens.
    std::atomic<int> created{0}, conflicts{0}, other{0};
    std::mutex m;
    json::object winner;
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            try {
                auto r = host_->call("privacy", "request.create",
                                     {{"email", i % 2 ? "cora@example.org" : "cora.new@example.org"}, {"kind", "export"}},
                                     kSystem);
                std::lock_guard<std::mutex> lock(m);
                winner = r.as_object();
                ++created;
            } catch (const sdk::Error &e) {
                (e.status() == PLINTH_E_CONFLICT ? conflicts : other)++;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(conflicts.load(), 7);
    EXPECT_EQ(other.load(), 0);
    ASSERT_TRUE(winner.contains("token"));

    // Four executions of the confirmed request at once: it runs once; the others are refused
    // while it runs or get its stored result.
    const json::value rid = winner.at("request_id");
    privacy("request.confirm", {{"request_id", rid}, {"token", winner.at("token")}}, kAnonymous);
    std::set<std::string> archives;
    std::atomic<int> refused{0};
    threads.clear();
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            try {
                auto r = host_->call("privacy", "request.execute", {{"request_id", rid}}, kSystem);
                std::lock_guard<std::mutex> lock(m);
                archives.insert(std::string(r.as_object().at("archive").as_string()));
            } catch (const sdk::Error &e) {
                EXPECT_EQ(e.status(), PLINTH_E_CONFLICT) << e.what();
                ++refused;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(archives.size(), 1u);
    EXPECT_EQ(privacy("request.get", {{"request_id", rid}}).at("runs").as_int64(), 1);
    size_t zips = 0;
    for (const auto &f : fs::directory_iterator(fs::path(host_->state_dir()) / "privacy" / "exports"))
        zips += f.path().extension() == ".zip";
    EXPECT_EQ(zips, 1u);
}

TEST_F(PrivacyIntegration, AKilledRunResumesWithoutDuplicatesOrGaps) {
    REQUIRE_MODULES(kStandard);
    start(kStandard, {{"privacy", {{"fail_after_modules", 2}}}});
    Person kim = make_person("kim");
    populate(kim);

    std::string message;
    EXPECT_EQ(fails("privacy", "erase.run", {{"email", kim.email}}, kSystem, &message), PLINTH_E_INTERNAL);
    EXPECT_NE(message.find("injected failure"), std::string::npos) << message;
    auto list = privacy("request.list", {{"status", "failed"}}, staff(1));
    ASSERT_EQ(list.at("requests").as_array().size(), 1u);
    const int64_t rid = list.at("requests").as_array()[0].as_object().at("request_id").as_int64();
    auto half = privacy("request.get", {{"request_id", rid}});
    int done = 0;
    for (const auto &s : half.at("progress").as_array()) done += s.as_object().at("status").as_string() == "done";
    EXPECT_EQ(done, 2);
    // Issue 10 item 8: the operator's erase of the same person resumes the interrupted request.
    auto finished = privacy("erase.run", {{"email", kim.email}});
    EXPECT_EQ(finished.at("request_id").as_int64(), rid);
    EXPECT_TRUE(finished.at("resumed").as_bool());
    auto full = privacy("request.get", {{"request_id", rid}});
    EXPECT_EQ(full.at("status").as_string(), "completed");
    EXPECT_EQ(full.at("runs").as_int64(), 2);
    for (const auto &s : full.at("progress").as_array()) {
        EXPECT_EQ(s.as_object().at("status").as_string(), "done") << s.as_object().at("module").as_string();
        EXPECT_EQ(s.as_object().at("attempts").as_int64(), 1) << "no module ran twice";
    }
    std::set<std::string> items, modules;
    for (const auto &o : finished.at("outcomes").as_array()) {
        const auto &x = o.as_object();
        modules.insert(std::string(x.at("module").as_string()));
        EXPECT_TRUE(items.insert(std::string(x.at("module").as_string()) + "|" + std::string(x.at("item").as_string()) +
                                 "|" + std::string(x.at("category").as_string()))
                        .second);
    }
    for (const auto &m : kStandard) EXPECT_TRUE(modules.count(m)) << "no outcome from " << m;
    const std::string after = db_->dump_all_tables();
    for (const auto &v : kim.identifying())
        for (const auto &table : tables_containing(after, v)) {
            bool retained = false;
            const std::string module = table.substr(0, table.find('_'));
            for (const auto &o : finished.at("outcomes").as_array())
                retained = retained || (o.as_object().at("module").as_string() == module &&
                                        o.as_object().at("outcome").as_string() == "retained");
            EXPECT_TRUE(retained) << "'" << v << "' remains in " << table;
        }
}

TEST_F(PrivacyIntegration, ACrashedExportIsFinishedByTheNextRun) {
    REQUIRE_MODULES(kStandard);
    start(kStandard, {{"privacy", {{"fail_after_modules", 1}, {"fail_mode", "crash"}}}});
    Person lia = make_person("lia");
    populate(lia);
    EXPECT_EQ(fails("privacy", "export.run", {{"email", lia.email}}), PLINTH_E_INTERNAL);
    auto running = privacy("request.list", {{"status", "running"}}, staff(1));
    ASSERT_EQ(running.at("requests").as_array().size(), 1u) << "a crash leaves the run as it was";
    const int64_t rid = running.at("requests").as_array()[0].as_object().at("request_id").as_int64();

    auto result = privacy("request.execute", {{"request_id", rid}}, staff(1));
    const std::string text = read_zip_entry(std::string(result.at("archive").as_string()), "export.json");
    auto doc = json::parse(text).as_object();
    std::map<std::string, int> groups_per_module;
    for (const auto &m : doc.at("modules").as_array()) ++groups_per_module[std::string(m.as_object().at("module").as_string())];
    for (const auto &m : kStandard) EXPECT_EQ(groups_per_module[m], 1) << m;
    // Each prompt, ticket and attachment exactly once.
    auto count = [&](const std::string &needle) {
        size_t n = 0;
        for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count(lia.prompt_text), 1u);
    EXPECT_EQ(count(lia.reply_text), 1u);
    EXPECT_GE(count(lia.username), 1u);
    int64_t staged = 0;
    const auto finished = privacy("request.get", {{"request_id", rid}});
    for (const auto &s : finished.at("progress").as_array())
        staged += s.as_object().at("items").as_int64();
    EXPECT_EQ(staged, result.at("items").as_int64());
    EXPECT_FALSE(fs::exists(fs::path(host_->state_dir()) / "privacy" / "work" / std::to_string(rid)))
        << "the staging goes once the archive is built";
}

TEST_F(PrivacyIntegration, InventoryListsEveryModuleAndThoseWithoutPersonalData) {
    std::vector<std::string> modules = kStandard;
    modules.push_back("example_c");
    REQUIRE_MODULES(modules);
    start(modules);
    auto j = privacy("inventory", {{"format", "json"}}, staff(1));
    EXPECT_EQ(j.at("format").as_string(), "json");
    auto doc = json::parse(j.at("document").as_string()).as_object();
    std::set<std::string> declaring;
    for (const auto &c : doc.at("categories").as_array()) {
        const auto &o = c.as_object();
        declaring.insert(std::string(o.at("module").as_string()));
        EXPECT_FALSE(o.at("purpose").as_string().empty());
        EXPECT_FALSE(o.at("legal_basis").as_string().empty());
        EXPECT_FALSE(o.at("retention").as_string().empty());
    }
    for (const auto &m : kStandard) EXPECT_TRUE(declaring.count(m)) << m << " declared nothing";
    // The C newsletter declares its category like any C++ module.
    EXPECT_TRUE(declaring.count("example_c"));
    for (const auto &m : doc.at("modules_without_personal_data").as_array())
        EXPECT_NE(m.as_object().at("module").as_string(), "example_c");

    const std::string md(privacy("inventory", {{"format", "md"}}, staff(1)).at("document").as_string());
    EXPECT_NE(md.find("| module | category | fields | purpose | legal basis | retention | recipients |"), std::string::npos);
    EXPECT_NE(md.find("| example_c |"), std::string::npos);
    EXPECT_NE(md.find("| accounts |"), std::string::npos);
    const std::string html(privacy("inventory", {{"format", "html"}}, staff(1)).at("document").as_string());
    EXPECT_NE(html.find("<td>example_c</td>"), std::string::npos);
    EXPECT_EQ(fails("privacy", "inventory", {{"format", "pdf"}}, staff(1)), PLINTH_E_INVALID_ARGUMENT);
    // Any signed-in person may read the register (it names no one); an anonymous caller may not.
    const std::string for_person(privacy("inventory", {{"format", "md"}}, user(5)).at("document").as_string());
    EXPECT_NE(for_person.find("| accounts |"), std::string::npos);
    EXPECT_EQ(fails("privacy", "inventory", json::object{}, host::anonymous_caller()), PLINTH_E_UNAUTHENTICATED);
}

// The vendor's privacy policy (DESIGN.md): data, purpose, module. The register must reproduce
// every row from the modules' own declarations — same category name, in the same module, with a
// purpose that states the policy's purpose (its first clause, verbatim).
TEST_F(PrivacyIntegration, InventoryReproducesThePrivacyPolicyTable) {
    REQUIRE_MODULES(kStandard);
    start(kStandard);
    struct Row {
        const char *data, *purpose, *module;
    };
    const Row policy[] = {
        {"email", "unique identifier for authorization", "accounts"},
        {"username", "identifier for authorization", "accounts"},
        {"first name, last name", "identify the user, create invoices", "accounts"},
        {"password", "authorization", "accounts"},
        {"logins/logouts", "temporary state of the user's link with the service", "accounts"},
        {"license", "per-product key the user activates on their own sites", "licenses"},
        {"ticket environment", "the user's system environment", "tickets"},
        {"ticket credentials", "temporary site login credentials shared with support staff", "tickets"},
        {"ticket description", "the user's description of a problem", "tickets"},
        {"ticket attachments", "files the user attaches to a ticket", "tickets"},
        {"gravatar", "link to the user's profile image (third party, opt-in)", "accounts"},
        {"AI prompts", "analysed as a collection to improve the service", "prompts"},
    };
    auto j = privacy("inventory", {{"format", "json"}}, staff(1));
    auto doc = json::parse(j.at("document").as_string()).as_object();
    for (const Row &row : policy) {
        const json::object *found = nullptr;
        for (const auto &c : doc.at("categories").as_array())
            if (c.at("module").as_string() == row.module && c.at("category").as_string() == row.data)
                found = &c.as_object();
        ASSERT_NE(found, nullptr) << "no category '" << row.data << "' declared by " << row.module;
        EXPECT_NE(std::string(found->at("purpose").as_string()).find(row.purpose), std::string::npos)
            << row.data << ": " << found->at("purpose").as_string();
    }
    const std::string md(privacy("inventory", {{"format", "md"}}, staff(1)).at("document").as_string());
    for (const Row &row : policy)
        EXPECT_NE(md.find(std::string("| ") + row.module + " | " + row.data + " |"), std::string::npos) << row.data;
}

TEST_F(PrivacyIntegration, PeopleWithoutAnAccountAndWithoutAccountsLoaded) {
    REQUIRE_MODULES({"privacy"});
    start({"privacy"});
    auto consent = privacy("consent.object", {{"email", "walk.in@example.org"}, {"purpose", "newsletter"}});
    EXPECT_EQ(consent.at("user_id").as_int64(), 0);
    auto exported = privacy("export.run", {{"email", "walk.in@example.org"}});
    const std::string text = read_zip_entry(std::string(exported.at("archive").as_string()), "export.json");
    EXPECT_NE(text.find("\"newsletter\""), std::string::npos);
    auto erased = privacy("erase.run", {{"email", "Walk.In@example.org"}});
    bool consent_kept = false;
    for (const auto &o : erased.at("outcomes").as_array())
        consent_kept = consent_kept || (o.as_object().at("category").as_string() == "consent records" &&
                                        o.as_object().at("outcome").as_string() == "retained");
    EXPECT_TRUE(consent_kept);
    EXPECT_EQ(db_->dump_all_tables().find("walk.in@example.org"), std::string::npos);
}

TEST_F(PrivacyIntegration, SweepDeletesExpiredArchivesAndRunsEveryModule) {
    REQUIRE_MODULES(kStandard);
    start(kStandard, {{"privacy", {{"export", {{"retention_days", 2}}}}}});
    int64_t id = register_user("sam@example.org", "sam", "Sam", "Sweep");
    (void)id;
    auto exported = privacy("export.run", {{"email", "sam@example.org"}});
    const fs::path archive(std::string(exported.at("archive").as_string()));
    auto count_of = [](const json::object &sweep, const std::string &module, const std::string &category,
                       const std::string &action) -> int64_t {
        for (const auto &m : sweep.at("modules").as_array())
            if (m.as_object().at("module").as_string() == module)
                for (const auto &c : m.as_object().at("counts").as_array())
                    if (c.as_object().at("category").as_string() == category &&
                        c.as_object().at("action").as_string() == action)
                        return c.as_object().at("count").as_int64();
        return -1;
    };
    auto first = privacy("sweep", json::object{});
    EXPECT_EQ(count_of(first, "privacy", "export archives", "removed"), 0);
    EXPECT_TRUE(fs::exists(archive));
    std::set<std::string> swept;
    for (const auto &m : first.at("modules").as_array()) swept.insert(std::string(m.as_object().at("module").as_string()));
    for (const auto &m : kStandard) EXPECT_TRUE(swept.count(m)) << m << " was not swept";

    host_->advance_s(2 * 86400);
    auto second = privacy("sweep", json::object{});
    EXPECT_EQ(count_of(second, "privacy", "export archives", "removed"), 1);
    EXPECT_FALSE(fs::exists(archive));
    auto third = privacy("sweep", json::object{});
    EXPECT_EQ(count_of(third, "privacy", "export archives", "removed"), 0) << "the sweep is idempotent";
    EXPECT_EQ(fails("privacy", "sweep", json::object{}, staff(1)), PLINTH_E_PERMISSION_DENIED);
}

TEST_F(PrivacyIntegration, OperatorExportCopiesTheArchive) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    register_user("otto@example.org", "otto", "Otto", "Operator");
    const fs::path out = fs::path(host_->state_dir()) / "copy.zip";
    auto r = privacy("export.run", {{"email", "otto@example.org"}, {"out", out.string()}});
    EXPECT_EQ(r.at("out").as_string(), out.string());
    EXPECT_EQ(sha256_file_hex(out), r.at("sha256").as_string());
    struct stat st {};
    ::stat(out.c_str(), &st);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    bool listed = false;
    for (const auto &f : r.at("files").as_array()) listed = listed || f.as_string() == "manifest.json";
    EXPECT_TRUE(listed);
}

TEST_F(PrivacyIntegration, BadInputIsRefusedAndChangesNothing) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    int64_t id = register_user("bad@example.org", "bad", "Bad", "Input");
    const std::string before = db_->dump_all_tables();
    struct Case {
        std::string command;
        std::string args;
        plinth_call_context caller;
        int32_t status;
    };
    const std::vector<Case> cases = {
        {"consent.grant", R"({"purpose":"gravatar","source":"x"})", user(id), PLINTH_E_INVALID_ARGUMENT},
        {"consent.grant", R"({"purpose":"Grav atar","policy_version":"1","source":"x"})", user(id),
         PLINTH_E_INVALID_ARGUMENT},
        {"consent.grant", R"({"purpose":"gravatar","policy_version":"1","source":"x","extra":1})", user(id),
         PLINTH_E_INVALID_ARGUMENT},
        {"consent.grant", R"({"purpose":"gravatar","policy_version":"1","source":"x","user_id":424242})", user(id),
         PLINTH_E_PERMISSION_DENIED},
        {"consent.grant", R"({"purpose":"gravatar","policy_version":"1","source":"x","user_id":424242})", staff(1),
         PLINTH_E_NOT_FOUND},
        {"consent.object", R"({"purpose":"gravatar","email":"not-an-email"})", staff(1), PLINTH_E_INVALID_ARGUMENT},
        {"consent.object", R"({"purpose":"gravatar","email":"x@y.z","user_id":3})", staff(1),
         PLINTH_E_INVALID_ARGUMENT},
        {"consent.restrict", R"({})", kAnonymous, PLINTH_E_UNAUTHENTICATED},
        {"request.create", R"({"email":"bad@example.org","kind":"delete"})", user(id), PLINTH_E_INVALID_ARGUMENT},
        {"request.create", R"({"email":"bad@example.org","kind":"object"})", user(id), PLINTH_E_INVALID_ARGUMENT},
        {"request.create", R"({"email":"bad@example.org","kind":"export","purpose":"x"})", user(id),
         PLINTH_E_INVALID_ARGUMENT},
        {"request.create", R"({"email":"bad@example.org","kind":"export"})", kAnonymous, PLINTH_E_UNAUTHENTICATED},
        {"request.create", R"({"email":"bad@example.org' OR 1=1 --","kind":"export"})", staff(1),
         PLINTH_E_INVALID_ARGUMENT},
        {"request.create", R"([1,2])", user(id), PLINTH_E_INVALID_ARGUMENT},
        {"request.create", R"({"email":"bad@example.org","kind":"export")", user(id), PLINTH_E_INVALID_ARGUMENT},
        {"request.confirm", R"({"request_id":"1","token":"00"})", kAnonymous, PLINTH_E_INVALID_ARGUMENT},
        {"request.execute", R"({"request_id":999})", staff(1), PLINTH_E_NOT_FOUND},
        {"export.run", R"({"email":"bad@example.org"})", staff(1), PLINTH_E_PERMISSION_DENIED},
        {"erase.run", R"({"email":"bad@example.org"})", user(id), PLINTH_E_PERMISSION_DENIED},
        {"erase.run", R"({"email":"bad@example.org","dry_run":"yes"})", kSystem, PLINTH_E_INVALID_ARGUMENT},
        {"export.run", R"({"email":"bad@example.org","out":""})", kSystem, PLINTH_E_INVALID_ARGUMENT},
        {"no.such.command", R"({})", kSystem, PLINTH_E_UNSUPPORTED},
    };
    for (const auto &c : cases) {
        std::string message;
        EXPECT_EQ(host_->call_error("privacy", c.command, c.args, c.caller, &message), c.status)
            << c.command << " " << c.args << ": " << message;
    }
    EXPECT_EQ(db_->dump_all_tables(), before);
}

TEST_F(PrivacyIntegration, TamperingWithTheAuditLogIsDetected) {
    REQUIRE_MODULES({"privacy"});
    start({"privacy"});
    privacy("erase.run", {{"email", "a@example.org"}, {"dry_run", true}});
    privacy("sweep", json::object{});
    auto ok = privacy("audit.verify", json::object{}, staff(1));
    EXPECT_TRUE(ok.at("intact").as_bool());
    EXPECT_EQ(ok.at("entries").as_int64(), 1) << "the dry run writes nothing, not even an audit entry";
    db_->sql().execute("UPDATE privacy_audit SET detail = 'nothing happened' ORDER BY id LIMIT 1");
    auto broken = privacy("audit.verify", json::object{}, staff(1));
    EXPECT_FALSE(broken.at("intact").as_bool());
}

} // namespace
} // namespace plinth::privacy
