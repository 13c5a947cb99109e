// tests/tickets/tickets_fixture.hpp — the tickets module through a real host and MariaDB: the
// fixture the tickets suites share (tickets_test.cpp, attachments_test.cpp, credentials_test.cpp,
// personal_data_test.cpp, untrusted_input_test.cpp).
#pragma once

#include "domain/content.hpp"
#include "support/sinks.hpp"
#include "support/test_host.hpp"

#include <plinth/plinth.h>
#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace plinth::tickets::module_tests {

namespace json = boost::json;
using json::object;
using json::value;

inline constexpr int64_t kDay = 86400;
inline constexpr int64_t kAlice = 101, kBob = 102, kStaff = 900, kOtherStaff = 901;

inline plinth_call_context customer(int64_t id) { return host::user_caller(id, PLINTH_ROLE_CUSTOMER); }
inline plinth_call_context staff(int64_t id = kStaff) { return host::user_caller(id, PLINTH_ROLE_STAFF); }

inline std::string b64(std::string_view s) { return plinth::sdk::encoding::to_base64(s); }

inline object credential_args(int64_t ticket, std::string password = "Tr0ub4dor&3-unique") {
    return {{"ticket_id", ticket},
            {"site_url", "https://shop.alice.example/wp-admin"},
            {"username", "alice-support-login"},
            {"password", password},
            {"note", "remove after the fix please"}};
}

class TicketsTest : public ::testing::Test {
protected:
    explicit TicketsTest(object config = {}) : db_("tickets"), host_(db_, {"tickets"}, std::move(config)) {}

    value call(std::string_view command, const object &args, const plinth_call_context &caller) {
        return host_.call("tickets", command, args, caller);
    }
    int32_t fails(std::string_view command, const object &args, const plinth_call_context &caller,
                  std::string *message = nullptr) {
        return host_.call_error("tickets", command, json::serialize(args), caller, message);
    }

    int64_t open_ticket(int64_t owner, std::string subject = "Checkout page is blank", object extra = {}) {
        object args{{"subject", subject}, {"description", "Since the update the checkout shows nothing."}};
        for (auto &m : extra) args[m.key()] = m.value();
        return call("ticket.create", args, customer(owner)).at("id").as_int64();
    }
    object attach(int64_t ticket, int64_t who, std::string_view content, std::string name = "log.txt",
                  bool as_staff = false) {
        return call("attachment.add",
                    {{"ticket_id", ticket}, {"file_name", name}, {"media_type", "text/plain"},
                     {"content_base64", b64(content)}},
                    as_staff ? staff(who) : customer(who))
            .as_object();
    }
    int64_t add_credential(int64_t ticket, int64_t owner, std::string password = "Tr0ub4dor&3-unique") {
        return call("credential.add", credential_args(ticket, password), customer(owner)).at("id").as_int64();
    }
    int64_t count(const std::string &sql) { return db_.sql().query(sql).at(0).i64(0); }
    int64_t now_s() const { return host_.now_us() / 1000000; }

    const plinth_module *module() { return host_.host().module("tickets"); }

    // Everything the module exports for `user_id`, as privacy would collect it.
    test::ExportCollector export_subject(int64_t user_id) {
        auto *pd = host_.host().interface_as<plinth_personal_data_v1>("tickets", PLINTH_EXT_PERSONAL_DATA);
        EXPECT_NE(pd, nullptr);
        test::ExportCollector out;
        plinth_subject subject{sizeof(plinth_subject), user_id, nullptr, 0};
        plinth_export_sink sink = out.sink();
        plinth_error error = sdk::make_error();
        EXPECT_EQ(pd->export_subject(module(), &subject, &sink, &error), PLINTH_OK) << error.message;
        return out;
    }

    using Outcome = test::ErasureCollector::Item;
    std::vector<Outcome> erase_subject(int64_t user_id, bool dry_run) {
        auto *pd = host_.host().interface_as<plinth_personal_data_v1>("tickets", PLINTH_EXT_PERSONAL_DATA);
        test::ErasureCollector out;
        plinth_subject subject{sizeof(plinth_subject), user_id, nullptr, 0};
        plinth_erasure_sink sink = out.sink();
        plinth_error error = sdk::make_error();
        EXPECT_EQ(pd->erase_subject(module(), &subject, dry_run ? 1 : 0, &sink, &error), PLINTH_OK) << error.message;
        return out.items;
    }

    std::map<std::string, int64_t> sweep() {
        auto *r = host_.host().interface_as<plinth_retention_v1>("tickets", PLINTH_EXT_RETENTION);
        EXPECT_NE(r, nullptr);
        std::map<std::string, int64_t> counts;
        plinth_retention_sink sink{sizeof(plinth_retention_sink), &counts,
                                   [](void *ctx, const plinth_retention_count *c) -> int32_t {
                                       (*static_cast<std::map<std::string, int64_t> *>(ctx))
                                           [std::string(sdk::to_view(c->category)) + "/" +
                                            std::string(sdk::to_view(c->action))] = c->count;
                                       return 0;
                                   }};
        plinth_error error = sdk::make_error();
        EXPECT_EQ(r->sweep(module(), host_.now_us(), &sink, &error), PLINTH_OK) << error.message;
        return counts;
    }

    test::TestDatabase db_;
    test::TestHost host_;
};

} // namespace plinth::tickets::module_tests
