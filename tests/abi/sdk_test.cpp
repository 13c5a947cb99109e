// The C++ SDK's boundary duties: every exception becomes a status, errors respect the caller's
// struct_size, arguments are validated with messages that name them, access is enforced.
#include <plinth/sdk/module.hpp>

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace plinth;

TEST(SdkGuard, TranslatesEveryKindOfException) {
    plinth_error e = sdk::make_error();
    EXPECT_EQ(sdk::guard(&e, [] { throw sdk::conflict("taken"); }), PLINTH_E_CONFLICT);
    EXPECT_STREQ(e.message, "taken");
    EXPECT_EQ(sdk::guard(&e, [] { throw std::bad_alloc(); }), PLINTH_E_INTERNAL);
    EXPECT_STREQ(e.message, "out of memory");
    EXPECT_EQ(sdk::guard(&e, [] { throw std::runtime_error("boom"); }), PLINTH_E_INTERNAL);
    EXPECT_EQ(sdk::guard(&e, [] { throw 42; }), PLINTH_E_INTERNAL);
    EXPECT_STREQ(e.message, "unknown exception");
    EXPECT_EQ(sdk::guard(&e, [] {}), PLINTH_OK);
    EXPECT_EQ(e.code, PLINTH_OK);
    EXPECT_EQ(sdk::guard(nullptr, [] { throw sdk::not_found("x"); }), PLINTH_E_NOT_FOUND);
}

TEST(SdkGuard, WritesOnlyWhatFitsTheCallersStruct) {
    // A caller built against a smaller plinth_error (code and db_errno only).
    plinth_error e;
    std::memset(&e, 0x5A, sizeof e);
    e.struct_size = offsetof(plinth_error, message);
    sdk::guard(&e, [] { throw sdk::Error(PLINTH_E_DATABASE, "db down", 2006); });
    EXPECT_EQ(e.code, PLINTH_E_DATABASE);
    EXPECT_EQ(e.db_errno, 2006);
    EXPECT_EQ(static_cast<unsigned char>(e.message[0]), 0x5A); // untouched
}

TEST(SdkGuard, TruncatesLongMessagesSafely) {
    plinth_error e = sdk::make_error();
    std::string longer(2000, 'x');
    sdk::guard(&e, [&] { throw sdk::invalid_argument(longer); });
    EXPECT_EQ(std::strlen(e.message), PLINTH_ERROR_MESSAGE_CAPACITY - 1);
}

TEST(SdkArgs, NamesTheArgumentInEveryError) {
    boost::json::object o{{"n", "text"}, {"s", 5}, {"b", "yes"}, {"long", std::string(50, 'a')}};
    sdk::Args args(o);
    auto message = [](auto &&f) {
        try {
            f();
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message([&] { args.integer("n", 0, 10); }).find("'n' must be an integer"), std::string::npos);
    EXPECT_NE(message([&] { args.string("s"); }).find("'s' must be a string"), std::string::npos);
    EXPECT_NE(message([&] { args.boolean("b", false); }).find("'b' must be true or false"), std::string::npos);
    EXPECT_NE(message([&] { args.string("long", 10); }).find("longer than 10"), std::string::npos);
    EXPECT_NE(message([&] { args.string("absent"); }).find("missing argument 'absent'"), std::string::npos);
    EXPECT_NE(message([&] { args.integer("s", 6, 9); }).find("between 6 and 9"), std::string::npos);
}

TEST(SdkArgs, FinishRefusesUnknownMembers) {
    boost::json::object o{{"known", 1}, {"typo", 2}};
    sdk::Args args(o);
    args.integer("known", 0, 5);
    try {
        args.finish();
        FAIL();
    } catch (const sdk::Error &e) {
        EXPECT_NE(std::string(e.what()).find("'typo'"), std::string::npos);
    }
}

TEST(SdkCommands, EnforceAccessAndParseStrictly) {
    sdk::Commands commands;
    commands.add({"staff.only", "", sdk::Access::staff, [](const sdk::Caller &, sdk::Args &) {
                      return boost::json::value(true);
                  }});
    auto status_of = [&](const sdk::Caller &c, std::string_view name, std::string_view args) {
        try {
            commands.run(c, name, args);
            return static_cast<int32_t>(PLINTH_OK);
        } catch (const sdk::Error &e) {
            return static_cast<int32_t>(e.status());
        }
    };
    EXPECT_EQ(status_of(sdk::Caller{}, "staff.only", "{}"), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of(sdk::Caller::user(1, PLINTH_ROLE_CUSTOMER), "staff.only", "{}"), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of(sdk::Caller::user(1, PLINTH_ROLE_STAFF), "staff.only", ""), PLINTH_OK);
    EXPECT_EQ(status_of(sdk::Caller::system(), "staff.only", "{\"a\":"), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of(sdk::Caller::system(), "staff.only", "\"str\""), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of(sdk::Caller::system(), "nope", "{}"), PLINTH_E_UNSUPPORTED);
}

TEST(SdkCaller, ReadsOnlyWhatTheHostDeclared) {
    // A context from an older host that had no role field reads role as the default.
    plinth_call_context c{};
    c.struct_size = offsetof(plinth_call_context, role);
    c.principal = PLINTH_PRINCIPAL_USER;
    c.user_id = 9;
    c.role = PLINTH_ROLE_ADMIN; // beyond struct_size: must be ignored
    sdk::Caller caller = sdk::Caller::from(&c);
    EXPECT_EQ(caller.user_id, 9);
    EXPECT_EQ(caller.role, PLINTH_ROLE_CUSTOMER);
    EXPECT_FALSE(caller.is_admin());
}

TEST(SdkCaller, ReadsTheRequestFieldsOnlyFromA1_1Context) {
    const std::string address = "203.0.113.7", id = "r-1";
    plinth_call_context c{};
    c.struct_size = sizeof c;
    c.principal = PLINTH_PRINCIPAL_ANONYMOUS;
    c.client_address = sdk::to_str(address);
    c.request_id = sdk::to_str(id);
    sdk::Caller now = sdk::Caller::from(&c);
    EXPECT_EQ(now.client_address, address);
    EXPECT_EQ(now.request_id, id);
    // A 1.0 host declares the 24-byte layout: whatever lies beyond it is not read.
    c.struct_size = offsetof(plinth_call_context, client_address);
    sdk::Caller old = sdk::Caller::from(&c);
    EXPECT_TRUE(old.client_address.empty());
    EXPECT_TRUE(old.request_id.empty());
}

} // namespace
