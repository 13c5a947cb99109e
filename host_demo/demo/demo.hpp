// host_demo/demo/demo.hpp — `plinth-host demo`: a step-by-step walk through the loaded modules.
//
// Each module contributes one function in host_demo/demo/<module>_demo.cpp. The runner calls
// them in order (accounts, licenses, tickets, prompts, privacy) for the modules that are loaded;
// they share DemoContext so later steps can use what earlier ones created (the demo user).
#pragma once

#include <plinth/host/host.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace plinth::demo {

struct DemoContext {
    host::Host &host;
    std::ostream &out;

    // Filled by the accounts step (or left empty when accounts is not loaded).
    int64_t user_id = 0;
    std::string email{};
    int64_t staff_id = 0;

    // Prints a numbered heading.
    void step(std::string_view title);
    // Prints a line of narration.
    void say(std::string_view text);
    // Runs a command, prints the request and the (pretty) result, returns the result.
    // Failures are printed as the JSON error and returned as {"error":{...}}, never thrown, so a
    // demo can show refusals (seat limit, wrong password) as part of the story.
    boost::json::value call(std::string_view module, std::string_view command, const boost::json::value &args,
                            const plinth_call_context &caller);
    int step_number = 0;
};

void accounts_demo(DemoContext &demo);
void licenses_demo(DemoContext &demo);
void tickets_demo(DemoContext &demo);
void prompts_demo(DemoContext &demo);
void privacy_demo(DemoContext &demo);

// Pretty-prints JSON with two-space indentation.
std::string pretty(const boost::json::value &value);

} // namespace plinth::demo
