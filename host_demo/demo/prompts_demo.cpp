// `plinth-host demo`, prompts step: record AI prompts, list your own, and show the anonymous
// aggregate view staff use for analysis.
#include "demo.hpp"

#include <boost/json.hpp>

namespace plinth::demo {

namespace {

boost::json::object prompt(std::string_view feature, std::string_view model, std::string_view text,
                           std::string_view response, int64_t in, int64_t out, int64_t latency_ms) {
    return {{"feature", feature},   {"model", model},     {"prompt", text},          {"response", response},
            {"input_tokens", in},   {"output_tokens", out}, {"latency_ms", latency_ms}};
}

} // namespace

void prompts_demo(DemoContext &demo) {
    const int64_t user_id = demo.user_id > 0 ? demo.user_id : 1;
    const plinth_call_context user = host::user_caller(user_id, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context staff =
        demo.staff_id > 0 ? host::user_caller(demo.staff_id, PLINTH_ROLE_STAFF) : host::system_caller();

    demo.step("AI prompts: recording");
    demo.say(demo.user_id > 0 ? "The demo user asks the AI features a few questions; each exchange is logged."
                              : "(accounts is not loaded: prompts are recorded for user id 1.)");
    if (demo.host.module("privacy") != nullptr)
        demo.say("Before storing, prompts asks the privacy module whether this user objected to or restricted "
                 "\"ai-prompt-analysis\"; if so nothing is stored and the result says why.");
    else
        demo.say("The privacy module is not loaded, so no objection can apply: prompts are recorded normally.");
    demo.call("prompts", "prompt.record",
              prompt("support-chat", "gpt-4o-mini", "How do I move my license to a new domain?",
                     "Deactivate the old site, then activate the key on the new one.", 14, 21, 640),
              user);
    demo.call("prompts", "prompt.record",
              prompt("support-chat", "gpt-4o-mini", "Is staging.example.com counted as a seat?",
                     "No: staging and local sites are exempt.", 12, 9, 380),
              user);
    demo.call("prompts", "prompt.record",
              prompt("docs-search", "claude-3.5-haiku", "multisite network activation",
                     "See Licensing > Multisite.", 4, 7, 210),
              user);
    demo.say("The application can also record on behalf of a user (as the host or staff), naming the user:");
    boost::json::object for_other = prompt("support-chat", "gpt-4o-mini", "Why does my update fail with a 403?",
                                           "Your license expired; renew it to get updates.", 11, 13, 1730);
    for_other["user_id"] = user_id + 1000;
    demo.call("prompts", "prompt.record", for_other, host::system_caller());

    demo.step("AI prompts: limits and bad input");
    demo.say("Bad input is refused with a clear error and changes nothing:");
    demo.call("prompts", "prompt.record", prompt("Support Chat", "gpt-4o-mini", "hi", "hello", 1, 1, 5), user);
    boost::json::object big = prompt("support-chat", "gpt-4o-mini", std::string(40000, 'x'), "ok", 1, 1, 5);
    demo.say("A prompt over the configured size limit (prompts.limits.prompt_bytes, 32 KiB by default):");
    try {
        demo.host.call("prompts", "prompt.record", boost::json::serialize(big), user);
    } catch (const sdk::Error &e) {
        demo.out << "  refused (" << sdk::status_name(e.status()) << "): " << e.what() << "\n";
    }

    demo.step("AI prompts: your own log");
    demo.call("prompts", "prompt.list", boost::json::object{{"limit", 2}}, user);

    demo.step("AI prompts: the aggregate view for analysis (staff)");
    demo.say("Per day, feature and model: counts, token sums and latency percentiles. No user ids, no texts;"
             " these figures survive retention and erasure unchanged.");
    demo.call("prompts", "stats", boost::json::object{}, staff);
    demo.say("Retention (plinth.retention/1, run by `plinth-host privacy sweep`): after 90 days a prompt loses "
             "its link to the user, after 365 days prompt and response are deleted; the aggregates stay.");
}

} // namespace plinth::demo
