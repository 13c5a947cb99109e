// `plinth-host demo`, privacy step (the last): the register of processing built from every
// module's own declarations, the consent ledger, then the demo user's access request (token
// mailed to the person, confirmation, archive) and erasure with its per-item outcomes.
#include "demo.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <ostream>
#include <regex>
#include <string>

namespace plinth::demo {

namespace {

std::string text_of(const boost::json::value &v) {
    if (v.is_string()) return std::string(v.get_string());
    return boost::json::serialize(v);
}

// The one-time token in a confirmation message ("" when none).
std::string token_in(const std::string &body) {
    std::smatch m;
    return std::regex_search(body, m, std::regex("[0-9a-f]{64}")) ? m.str() : std::string();
}

// Runs a command quietly; failures come back as {"error": ...} like DemoContext::call.
boost::json::value quiet(DemoContext &demo, std::string_view module, std::string_view command,
                         const boost::json::value &args, const plinth_call_context &caller) {
    try {
        return demo.host.call(module, command, boost::json::serialize(args), caller);
    } catch (const sdk::Error &e) {
        demo.out << "  refused (" << sdk::status_name(e.status()) << "): " << e.what() << "\n";
        return boost::json::object{{"error", e.what()}};
    }
}

void print_outcomes(DemoContext &demo, const boost::json::value &result) {
    const auto *o = result.if_object();
    const auto *outcomes = o ? o->if_contains("outcomes") : nullptr;
    if (outcomes == nullptr || !outcomes->is_array()) return;
    demo.out << "  module     | category               | item                                                | outcome\n";
    for (const auto &v : outcomes->get_array()) {
        const auto &x = v.as_object();
        std::string line = "  " + text_of(x.at("module"));
        line.resize(13, ' ');
        line += "| " + text_of(x.at("category"));
        line.resize(38, ' ');
        line += "| " + text_of(x.at("item"));
        if (line.size() > 91) line.resize(91);
        line.resize(92, ' ');
        line += "| " + text_of(x.at("outcome"));
        if (x.at("outcome").as_string() == "retained" && x.at("retained_until").is_string())
            line += " until " + text_of(x.at("retained_until")).substr(0, 10) + ": " + text_of(x.at("legal_basis"));
        demo.out << line << "\n";
    }
    if (const auto *s = o->if_contains("summary")) demo.out << "  summary: " << boost::json::serialize(*s) << "\n";
}

} // namespace

void privacy_demo(DemoContext &demo) {
    const plinth_call_context system = host::system_caller();
    const plinth_call_context staff =
        demo.staff_id > 0 ? host::user_caller(demo.staff_id, PLINTH_ROLE_STAFF) : system;
    const bool have_user = demo.user_id > 0 && !demo.email.empty();
    const std::string email = have_user ? demo.email : "walk-in@example.org";
    const plinth_call_context person = have_user ? host::user_caller(demo.user_id, PLINTH_ROLE_CUSTOMER) : system;

    demo.step("Privacy: the register of processing");
    demo.say("Built from what every loaded module declares through plinth.data-inventory/1 — the privacy module "
             "knows no module by name. Modules without a personal-data interface are listed as such.");
    boost::json::value inventory = quiet(demo, "privacy", "inventory", boost::json::object{{"format", "md"}}, staff);
    if (const auto *doc = inventory.as_object().if_contains("document")) demo.out << "\n" << text_of(*doc) << "\n";

    demo.step("Privacy: the consent ledger");
    demo.say(have_user ? "The demo user agrees to the newsletter (policy version and where it was given are kept as "
                         "proof), then objects to AI prompt analysis; every module listening is told at once."
                       : "(accounts is not loaded: the ledger is shown for a person without an account.)");
    demo.call("privacy", "consent.grant",
              boost::json::object{{"email", email}, {"purpose", "newsletter"}, {"policy_version", "2026-01"},
                                  {"source", "demo: account settings"}},
              have_user ? person : system);
    demo.call("privacy", "consent.object", boost::json::object{{"email", email}, {"purpose", "ai-prompt-analysis"}},
              have_user ? person : system);
    demo.call("privacy", "consent.history", boost::json::object{{"email", email}}, have_user ? person : system);

    demo.step("Privacy: an access request, confirmed by token");
    demo.say("The token goes to the person through the host's plinth.notify/1 (a real host mails it; this demo "
             "prints the message) and never back to whoever asked — staff could otherwise confirm in anyone's name. "
             "Only its hash is stored; it works once and expires after 24 hours. The answer is due within one "
             "calendar month (the deadline).");
    std::string mailed;
    demo.host.set_notifier([&](const host::Notification &n) {
        demo.out << "  [message for " << n.recipient << "] " << n.subject << "\n";
        mailed = n.body;
    });
    boost::json::value created =
        demo.call("privacy", "request.create", boost::json::object{{"email", email}, {"kind", "export"}},
                  have_user ? person : system);
    if (!created.as_object().contains("request_id")) return;
    const auto request_id = created.as_object().at("request_id");
    // The console operator (the demo without accounts) receives the token itself.
    const std::string token = created.as_object().contains("token")
                                  ? std::string(created.as_object().at("token").as_string())
                                  : token_in(mailed);
    demo.say("A second export request for the same person is refused while this one is open:");
    demo.call("privacy", "request.create", boost::json::object{{"email", email}, {"kind", "export"}},
              have_user ? person : system);
    demo.call("privacy", "request.confirm", boost::json::object{{"request_id", request_id}, {"token", token}},
              host::anonymous_caller());
    demo.say("The token works once: a second confirmation is a conflict.");
    demo.call("privacy", "request.confirm", boost::json::object{{"request_id", request_id}, {"token", token}},
              host::anonymous_caller());
    demo.say("Staff execute it: every module with plinth.personal-data/1 exports, one step each, progress recorded "
             "so an interrupted run resumes where it stopped.");
    demo.call("privacy", "request.execute", boost::json::object{{"request_id", request_id}}, staff);

    demo.step("Privacy: what the archive holds");
    demo.say("export.json (versioned, grouped by module and category with purpose and retention), index.html for "
             "people, attachments as files, and manifest.json with the SHA-256 of every file (re-checked here):");
    demo.call("privacy", "request.archive", boost::json::object{{"request_id", request_id}},
              have_user ? person : system);

    demo.step("Privacy: erasure — first a dry run");
    demo.say("Every module says what it would do; nothing changes (no request, no audit entry).");
    boost::json::value preview =
        quiet(demo, "privacy", "erase.run", boost::json::object{{"email", email}, {"dry_run", true}}, system);
    print_outcomes(demo, preview);

    demo.step("Privacy: erasure");
    demo.say("Each item is removed, anonymised, or retained with its legal basis and until-date — nothing is kept "
             "silently. The export archive made above is deleted too, and any request of the person still open is "
             "cancelled first, so no export can finish with data erased meanwhile.");
    boost::json::value erased = quiet(demo, "privacy", "erase.run", boost::json::object{{"email", email}}, system);
    print_outcomes(demo, erased);
    if (have_user) {
        demo.say("The account is gone: the demo user can no longer sign in.");
        demo.call("accounts", "profile.get", boost::json::object{{"user_id", demo.user_id}}, staff);
    }
    demo.say("The request and its audit trail stay on record (without the address), with a hash-chained log:");
    demo.call("privacy", "audit.verify", boost::json::object{}, staff);
}

} // namespace plinth::demo
