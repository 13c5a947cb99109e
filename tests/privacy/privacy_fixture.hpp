// tests/privacy/privacy_fixture.hpp — the host with every standard module over a fresh database,
// people with data in each module, and the helpers the privacy integration suites share.
#pragma once

#include "archive/digest.hpp"
#include "archive/zip_writer.hpp"
#include "support/test_host.hpp"
#include <plinth/host/host.hpp>
#include <plinth/sdk/error.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <cstring>
#include <regex>
#include <vector>

namespace plinth::privacy::test_support {

namespace fs = std::filesystem;
namespace json = boost::json;
using test::TestDatabase;
using test::TestHost;

const plinth_call_context kSystem = host::system_caller();
const plinth_call_context kAnonymous = host::anonymous_caller();
inline plinth_call_context user(int64_t id) { return host::user_caller(id, PLINTH_ROLE_CUSTOMER); }
inline plinth_call_context staff(int64_t id) { return host::user_caller(id, PLINTH_ROLE_STAFF); }
inline plinth_call_context admin(int64_t id) { return host::user_caller(id, PLINTH_ROLE_ADMIN); }

const std::vector<std::string> kStandard = {"accounts", "licenses", "tickets", "prompts", "privacy"};
constexpr const char *kPassword = "correct horse battery staple 1";

inline std::vector<std::string> missing_modules(const std::vector<std::string> &modules) {
    std::vector<std::string> missing;
    for (const auto &m : modules)
        if (!fs::exists(fs::path(PLINTH_TEST_MODULE_DIR) / ("plinth_" + m + ".so"))) missing.push_back(m);
    return missing;
}

#define REQUIRE_MODULES(...)                                                                              \
    do {                                                                                                  \
        auto missing_ = missing_modules(__VA_ARGS__);                                                     \
        if (!missing_.empty()) {                                                                          \
            std::string names_;                                                                           \
            for (const auto &m_ : missing_) names_ += " plinth_" + m_ + ".so";                            \
            GTEST_SKIP() << "module file(s) not built yet:" << names_ << " (in " PLINTH_TEST_MODULE_DIR ")"; \
        }                                                                                                 \
    } while (0)

inline std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

// Bytes no other test value contains, with a readable marker to search table dumps for.
inline std::string attachment_bytes(std::string_view marker) {
    std::string b = "\x89PNG\r\n\x1a\n";
    b += marker;
    for (int i = 0; i < 3000; ++i) b.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    b += marker;
    return b;
}

// Everything identifying that one person leaves in the modules.
struct Person {
    std::string old_email, email, username, first_name, last_name;
    std::string ticket_subject, ticket_text, reply_text, prompt_text, attachment_marker, attachment;
    int64_t user_id = 0;
    int64_t ticket_id = 0;
    int64_t license_id = 0;

    std::vector<std::string> identifying() const {
        return {old_email, email, username, first_name, last_name, ticket_subject, ticket_text, reply_text,
                prompt_text, attachment_marker};
    }
};

inline Person make_person(const std::string &tag) {
    Person p;
    p.old_email = tag + ".old@example.org";
    p.email = tag + ".new@example.org";
    p.username = tag + "_lovelace";
    p.first_name = "Firstname" + tag;
    p.last_name = "Lastname" + tag;
    p.ticket_subject = "Checkout broken " + tag + "-SUBJ";
    p.ticket_text = "The checkout page is blank " + tag + "-TICKETTEXT";
    p.reply_text = "Still broken after update " + tag + "-REPLYTEXT";
    p.prompt_text = "Summarise my orders " + tag + "-PROMPTTEXT";
    p.attachment_marker = tag + "-ATTACHMENTBYTES";
    p.attachment = attachment_bytes(p.attachment_marker);
    return p;
}

class PrivacyIntegration : public ::testing::Test {
protected:
    std::unique_ptr<TestDatabase> db_;
    std::unique_ptr<TestHost> host_;
    int64_t policy_id_ = 0;

    void start(const std::vector<std::string> &modules, json::object config = {}) {
        db_ = std::make_unique<TestDatabase>("privacy");
        host_ = std::make_unique<TestHost>(*db_, modules, std::move(config));
        deliver_mail(true);
    }
    void restart(const std::vector<std::string> &modules, json::object config = {}) {
        host_.reset();
        host_ = std::make_unique<TestHost>(*db_, modules, std::move(config));
        deliver_mail(true);
    }

    // The host's plinth.notify/1 delivers into `mail_` (the people's mailboxes), or nowhere.
    std::mutex mail_mutex_;
    std::vector<host::Notification> mail_;
    void deliver_mail(bool on) {
        if (!on) return host_->host().set_notifier(nullptr);
        host_->host().set_notifier([this](const host::Notification &n) {
            std::lock_guard<std::mutex> lock(mail_mutex_);
            mail_.push_back(n);
        });
    }
    // The one-time token mailed for `request_id` to `recipient` ("" when none was).
    std::string mailed_token(int64_t request_id, const std::string &recipient) {
        std::lock_guard<std::mutex> lock(mail_mutex_);
        const std::regex token("[0-9a-f]{64}");
        for (auto it = mail_.rbegin(); it != mail_.rend(); ++it) {
            if (it->recipient != recipient || it->subject.find("request " + std::to_string(request_id)) == std::string::npos)
                continue;
            std::smatch m;
            if (std::regex_search(it->body, m, token)) return m.str();
        }
        return {};
    }
    // Creates a request as `caller` and confirms it with the token mailed to `mailbox`.
    int64_t create_and_confirm(const std::string &email, const std::string &kind, const plinth_call_context &caller,
                               const std::string &mailbox) {
        auto created = call("privacy", "request.create", {{"email", email}, {"kind", kind}}, caller).as_object();
        const int64_t id = created.at("request_id").as_int64();
        call("privacy", "request.confirm", {{"request_id", id}, {"token", mailed_token(id, mailbox)}}, kAnonymous);
        return id;
    }

    json::value call(std::string_view module, std::string_view command, const json::value &args,
                     const plinth_call_context &caller = kSystem) {
        return host_->call(module, command, args, caller);
    }
    json::object privacy(std::string_view command, const json::value &args, const plinth_call_context &caller = kSystem) {
        return call("privacy", command, args, caller).as_object();
    }
    int32_t fails(std::string_view module, std::string_view command, const json::value &args,
                  const plinth_call_context &caller = kSystem, std::string *message = nullptr) {
        return host_->call_error(module, command, json::serialize(args), caller, message);
    }

    int64_t register_user(const std::string &email, const std::string &username, const std::string &first,
                          const std::string &last) {
        auto r = call("accounts", "register",
                      {{"email", email}, {"username", username}, {"first_name", first}, {"last_name", last},
                       {"password", kPassword}},
                      kAnonymous)
                     .as_object();
        return r.at("user_id").as_int64();
    }

    // Data in every standard module, including an email change and an attachment.
    void populate(Person &p) {
        p.user_id = register_user(p.old_email, p.username, p.first_name, p.last_name);
        call("accounts", "email.change", {{"email", p.email}, {"password", kPassword}}, user(p.user_id));
        call("accounts", "login", {{"login", p.username}, {"password", kPassword}}, kAnonymous);
        call("accounts", "gravatar.opt_in", json::object{}, user(p.user_id));

        if (policy_id_ == 0) {
            call("licenses", "product.create", {{"slug", "forms-pro"}, {"name", "Forms Pro"}});
            policy_id_ = call("licenses", "policy.create",
                              {{"product", "forms-pro"}, {"name", "Yearly"}, {"seat_limit", 2}, {"duration_days", 365}})
                             .as_object()
                             .at("id")
                             .as_int64();
        }
        auto license =
            call("licenses", "license.issue", {{"user_id", p.user_id}, {"policy_id", policy_id_}}).as_object();
        p.license_id = license.at("id").as_int64();
        call("licenses", "activation.activate",
             {{"key", license.at("key")}, {"site", "https://" + p.username + "-shop.example.com"}}, kAnonymous);

        auto ticket = call("tickets", "ticket.create",
                           {{"subject", p.ticket_subject},
                            {"description", p.ticket_text},
                            {"environment", {{"cms", {{"name", "WordPress"}, {"version", "6.5.2"}}}}}},
                           user(p.user_id))
                          .as_object();
        p.ticket_id = ticket.at("id").as_int64();
        call("tickets", "ticket.reply", {{"ticket_id", p.ticket_id}, {"body", p.reply_text}}, user(p.user_id));
        call("tickets", "attachment.add",
             {{"ticket_id", p.ticket_id},
              {"file_name", "screenshot.png"},
              {"media_type", "image/png"},
              {"content_base64", base64(p.attachment)}},
             user(p.user_id));

        auto prompt = call("prompts", "prompt.record",
                           {{"feature", "summarise"},
                            {"model", "model-x"},
                            {"prompt", p.prompt_text},
                            {"response", "Here is a summary"},
                            {"input_tokens", 10},
                            {"output_tokens", 20},
                            {"latency_ms", 300}},
                           user(p.user_id))
                          .as_object();
        ASSERT_TRUE(prompt.at("stored").as_bool());

        privacy("consent.grant",
                {{"purpose", "newsletter"}, {"policy_version", "2026-01"}, {"source", "account settings"}},
                user(p.user_id));
    }

    // Tables (by name) whose dump contains `value`.
    std::set<std::string> tables_containing(const std::string &dump, const std::string &value) {
        std::set<std::string> tables;
        std::string current;
        size_t pos = 0;
        while (pos < dump.size()) {
            size_t end = dump.find('\n', pos);
            if (end == std::string::npos) end = dump.size();
            std::string_view line(dump.data() + pos, end - pos);
            if (line.rfind("## ", 0) == 0) current = std::string(line.substr(3));
            else if (line.find(value) != std::string_view::npos) tables.insert(current);
            pos = end + 1;
        }
        // Binary cells may hold newlines: fall back to a whole-section search.
        if (tables.empty() && dump.find(value) != std::string::npos) {
            size_t at = dump.find(value);
            size_t header = dump.rfind("\n## ", at);
            size_t start = header == std::string::npos ? (dump.rfind("## ", 0) == 0 ? 3 : 0) : header + 4;
            tables.insert(dump.substr(start, dump.find('\n', start) - start));
        }
        return tables;
    }
};

} // namespace plinth::privacy::test_support
