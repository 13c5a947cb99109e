// Every module's JSON command table (sdk::Commands and sdk::Args behind plinth.command/1), as the
// host calls it, against a real MariaDB (fuzz/sandbox_host.hpp).
//
// Input: one byte choosing the caller (anonymous, a customer, staff, an administrator, the
// system), then "<module> <command>\n", then the arguments text.
// Properties: every call either succeeds with JSON or fails with a clear status; bad input never
// surfaces as PLINTH_E_INTERNAL (an exception the module did not expect) or PLINTH_E_DATABASE
// (input the module let through to a column or statement that refused it).
#include "check.hpp"
#include "sandbox_host.hpp"

#include <plinth/host/host.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace {

std::unique_ptr<plinth::host::Host> host;

plinth_call_context caller_for(uint8_t choice) {
    switch (choice % 5) {
    case 0: return plinth::host::anonymous_caller();
    case 1: return plinth::host::user_caller(1, PLINTH_ROLE_CUSTOMER);
    case 2: return plinth::host::user_caller(2, PLINTH_ROLE_STAFF);
    case 3: return plinth::host::user_caller(3, PLINTH_ROLE_ADMIN);
    default: return plinth::host::system_caller();
    }
}

// privacy's export.run copies the archive to an "out" path of the operator's choosing: a fuzzer
// must not write files wherever its input says. (The parser decodes escapes, so the check is
// exact.)
bool writes_a_file(std::string_view arguments) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(arguments, ec);
    return !ec && v.is_object() && v.get_object().contains("out");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    host = plinth::fuzz::sandbox_host("fuzz_commands");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    size_t line_end = text.find('\n');
    if (line_end == std::string_view::npos) return 0;
    std::string_view line = text.substr(0, line_end);
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return 0;
    std::string_view module = line.substr(0, space);
    std::string_view command = line.substr(space + 1);
    std::string_view arguments = text.substr(line_end + 1);
    if (writes_a_file(arguments)) return 0;
    try {
        host->call(module, command, arguments, caller_for(data[0]));
    } catch (const plinth::sdk::Error &e) {
        FUZZ_CHECK(e.status() != PLINTH_E_INTERNAL && e.status() != PLINTH_E_DATABASE,
                   std::string(line) + " " + std::string(arguments) + " -> " + e.what());
    }
    return 0;
}
