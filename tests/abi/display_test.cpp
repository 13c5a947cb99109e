// Untrusted text and untrusted JSON at the boundary: text from the other side is read only
// inside its buffer, made valid UTF-8 and escaped for terminals and logs; argument documents
// are refused for repeated member names and for a parsed size out of proportion to their text,
// before the tree is built.
#include <plinth/sdk/args.hpp>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/display.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstring>

namespace {

using namespace plinth;

bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = sdk::detail::utf8_sequence_length(s.substr(i));
        if (n == 0) return false;
        i += n;
    }
    return true;
}

TEST(Text, ValidUtf8KeepsGoodTextAndReplacesEachBadSequenceOnce) {
    EXPECT_EQ(sdk::repair_utf8("plain ascii"), "plain ascii");
    EXPECT_EQ(sdk::repair_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(sdk::repair_utf8("a\xFF\xFE" "b"), "a" + fffd + fffd + "b");
    EXPECT_EQ(sdk::repair_utf8("\xC0\xAF"), fffd + fffd);         // overlong '/'
    EXPECT_EQ(sdk::repair_utf8("\xED\xA0\x80"), fffd + fffd + fffd); // a surrogate
    EXPECT_EQ(sdk::repair_utf8("\xE2\x82"), fffd);                // truncated euro sign: one replacement
    EXPECT_EQ(sdk::repair_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd); // past U+10FFFF
}

TEST(Text, ValidUtf8CutsBetweenCharacters) {
    std::string euros;
    for (int i = 0; i < 10; ++i) euros += "\xE2\x82\xAC";
    std::string cut = sdk::repair_utf8(euros, 10);
    EXPECT_EQ(cut.size(), 9u);
    EXPECT_TRUE(is_valid_utf8(cut));
}

TEST(Text, PrintableEscapesControlsAndBidiOverridesOnOneLine) {
    EXPECT_EQ(sdk::printable("a\nb\tc\x1b[31m\x07"), "a\\nb\\tc\\x1b[31m\\x07");
    EXPECT_EQ(sdk::printable("x\x7fy"), "x\\x7fy");
    EXPECT_EQ(sdk::printable("\xC2\x9B" "2J"), "\\x9b2J");             // C1 CSI
    EXPECT_EQ(sdk::printable("invoice\xE2\x80\xAEtxt.pdf"), "invoice\\u202etxt.pdf");
    EXPECT_EQ(sdk::printable("ticket.get\xFF\xFE"), "ticket.get\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(sdk::printable("line one\nline two", 100, true), "line one\nline two");
    EXPECT_EQ(sdk::printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(Text, BoundedNeverReadsPastTheBuffer) {
    char buffer[8];
    std::memset(buffer, 'A', sizeof buffer);
    EXPECT_EQ(sdk::bounded(buffer, sizeof buffer), 8u);
    buffer[3] = '\0';
    EXPECT_EQ(sdk::bounded(buffer, sizeof buffer), 3u);
    EXPECT_EQ(sdk::bounded(nullptr, 8), 0u);
}

TEST(Text, AnErrorMessageWithoutNulIsReadOnlyInsideItsBuffer) {
    // What follows the message in memory must never leak into it.
    struct {
        plinth_error error;
        char after[16];
    } block;
    block.error = sdk::make_error();
    std::memset(block.error.message, 'A', sizeof block.error.message);
    std::memset(block.after, 'Z', sizeof block.after);
    try {
        sdk::throw_if_failed(PLINTH_E_CONFLICT, block.error);
        FAIL() << "no exception";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(std::string(e.what()), std::string(PLINTH_ERROR_MESSAGE_CAPACITY, 'A'));
    }
}

TEST(Text, AnEmptyOrInvalidErrorMessageBecomesSomethingToShow) {
    plinth_error e = sdk::make_error();
    EXPECT_EQ(sdk::message_of(e, PLINTH_E_NOT_FOUND), "not_found (no message given)");
    std::strcpy(e.message, "bad \xFF byte");
    EXPECT_TRUE(is_valid_utf8(sdk::message_of(e, PLINTH_E_INTERNAL)));
}

TEST(Text, FillErrorTruncatesBetweenCharacters) {
    plinth_error e = sdk::make_error();
    std::string euros;
    for (int i = 0; i < 400; ++i) euros += "\xE2\x82\xAC"; // 1200 bytes
    sdk::fill_error(&e, PLINTH_E_CONFLICT, euros.c_str());
    EXPECT_TRUE(is_valid_utf8(e.message));
    EXPECT_EQ(std::strlen(e.message), 510u); // 170 whole characters fit in 511 bytes
}

// ---- parse_arguments ----

sdk::Error refusal(std::string_view text, const sdk::JsonLimits &limits = {}) {
    try {
        sdk::parse_arguments(text, limits);
    } catch (const sdk::Error &e) {
        return e;
    }
    return sdk::Error(PLINTH_OK, "accepted");
}

TEST(ParseArguments, RefusesDuplicateMembersAtEveryLevel) {
    auto top = refusal(R"({"email":"a@example.com","email":"b@example.com"})");
    EXPECT_EQ(top.status(), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(top.what()).find("duplicate member 'email'"), std::string::npos) << top.what();
    auto nested = refusal(R"({"profile":{"name":"x","list":[{"k":1,"k":2}]}})");
    EXPECT_NE(std::string(nested.what()).find("duplicate member 'k'"), std::string::npos) << nested.what();
    // The same name in different objects, or escaped differently but equal once decoded.
    EXPECT_EQ(refusal(R"({"a":{"k":1},"b":{"k":2},"k":3})").status(), PLINTH_OK);
    auto escaped = refusal(R"({"email":1,"\u0065mail":2})");
    EXPECT_NE(std::string(escaped.what()).find("duplicate member 'email'"), std::string::npos) << escaped.what();
    // A hostile name is shown escaped.
    auto hostile = refusal("{\"\\u001b[2J\":1,\"\\u001b[2J\":2}");
    EXPECT_NE(std::string(hostile.what()).find("'\\x1b[2J'"), std::string::npos) << hostile.what();
}

TEST(ParseArguments, KeepsTheOldContract) {
    EXPECT_TRUE(sdk::parse_arguments("").as_object().empty());
    EXPECT_TRUE(sdk::parse_arguments(" \n").as_object().empty());
    EXPECT_EQ(sdk::parse_arguments(R"({"a":[1,"two",{"b":null}]})").at("a").as_array().size(), 3u);
    EXPECT_EQ(refusal("[1,2]").status(), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(refusal("{\"a\":").what()).find("not valid JSON"), std::string::npos);
    EXPECT_NE(std::string(refusal("{\"a\":\"\xC3\x28\"}").what()).find("not valid JSON"), std::string::npos);
    std::string deep(40, '[');
    EXPECT_NE(std::string(refusal("{\"a\":" + deep + std::string(40, ']') + "}").what()).find("too deeply"),
              std::string::npos);
    sdk::JsonLimits tiny;
    tiny.max_bytes = 10;
    EXPECT_EQ(refusal(R"({"a":"0123456789"})", tiny).status(), PLINTH_E_LIMIT_EXCEEDED);
}

TEST(ParseArguments, RefusesATreeOutOfProportionToItsText) {
    // 2 bytes of text per element, 16 bytes per parsed value: over the 4x budget.
    std::string many = "{\"ids\":[0";
    for (int i = 0; i < 600000; ++i) many += ",0";
    many += "]}";
    auto e = refusal(many);
    EXPECT_EQ(e.status(), PLINTH_E_LIMIT_EXCEEDED) << e.what();
    EXPECT_NE(std::string(e.what()).find("once parsed"), std::string::npos) << e.what();
    // Long strings cost about their size: accepted.
    std::string text = "{\"blob\":\"" + std::string(8u << 20, 'x') + "\"}";
    EXPECT_EQ(sdk::parse_arguments(text).at("blob").as_string().size(), 8u << 20);
}

TEST(ParseArguments, PeakMemoryStaysNearTheDocument) {
    // The 32 MiB document from the report: a 16-million-element array in a string field's place.
    std::string doc = "{\"email\":[0";
    doc.reserve(sdk::kMaxArgumentsBytes);
    // Appended 8 KiB at a time, then ",0" by ",0" to the same end: 16 million small appends take
    // seconds under the sanitizers.
    std::string chunk;
    for (int i = 0; i < 4096; ++i) chunk += ",0";
    while (doc.size() + chunk.size() + 4 < sdk::kMaxArgumentsBytes) doc += chunk;
    while (doc.size() + 4 < sdk::kMaxArgumentsBytes) doc += ",0";
    doc += "]}";
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    auto e = refusal(doc);
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    EXPECT_EQ(e.status(), PLINTH_E_LIMIT_EXCEEDED) << e.what();
    // ru_maxrss is the process's peak (KiB): refusing may not raise it by more than the document.
    long grown_kib = after.ru_maxrss - before.ru_maxrss;
    EXPECT_LT(grown_kib, static_cast<long>(sdk::kMaxArgumentsBytes >> 10)) << "peak grew by " << grown_kib << " KiB";
}

TEST(ParseArguments, ParsedValuesOutliveTheBudget) {
    // Copies made after parsing share the parse's memory resource and must not be refused.
    boost::json::value v = sdk::parse_arguments(R"({"a":"0123456789012345678901234567890123456789"})");
    std::vector<boost::json::value> copies;
    for (int i = 0; i < 100000; ++i) copies.push_back(v);
    EXPECT_EQ(copies.back().at("a").as_string().size(), 40u);
}

TEST(Commands, RefuseDuplicateMembersAndEscapeUnknownNames) {
    sdk::Commands commands;
    commands.add({"echo", "", sdk::Access::anonymous, [](const sdk::Caller &, sdk::Args &args) {
                      return boost::json::value(args.string("email"));
                  }});
    try {
        commands.run(sdk::Caller{}, "echo", R"({"email":"a@example.com","email":"admin@example.com"})");
        FAIL() << "duplicate accepted";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
        EXPECT_STREQ(e.what(), "duplicate member 'email'");
    }
    try {
        commands.run(sdk::Caller{}, "ticket.get\xFF\xFE\x1b[2J", "{}");
        FAIL() << "unknown command accepted";
    } catch (const sdk::Error &e) {
        EXPECT_STREQ(e.what(), "unknown command 'ticket.get\xEF\xBF\xBD\xEF\xBF\xBD\\x1b[2J'");
    }
}

} // namespace
