// Ticket environments (tickets/domain/environment.hpp) from arbitrary JSON text.
//
// Properties: bad input is refused with sdk::Error only (anything else escaping is a crash); an
// accepted environment fits its size limit, normalising it again changes nothing, the owner sees
// every stored value, and anyone else sees "[redacted]" for every private value.
#include "check.hpp"
#include "domain/environment.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace json = boost::json;
using namespace plinth::tickets;

namespace {

constexpr std::string_view kPublicServerFields[] = {"software", "os", "architecture", "database"};

bool public_server_field(std::string_view name) {
    for (std::string_view f : kPublicServerFields)
        if (f == name) return true;
    return false;
}

void check_views(const json::object &stored) {
    const std::string text = json::serialize(stored);
    json::object mine = environment_view(stored, true);
    json::object theirs = environment_view(stored, false);
    for (const auto &m : stored) {
        if (m.key() == "server") {
            for (const auto &f : m.value().as_object()) {
                FUZZ_CHECK(mine.at("server").at(f.key()) == f.value(), text);
                if (!public_server_field(f.key()))
                    FUZZ_CHECK(theirs.at("server").at(f.key()) == json::value(kRedacted), text);
            }
        } else if (m.key() == "extras") {
            for (const auto &e : m.value().as_object()) {
                const json::object &entry = e.value().as_object();
                FUZZ_CHECK(mine.at("extras").at(e.key()) == entry.at("value"), text);
                if (entry.at("private").as_bool())
                    FUZZ_CHECK(theirs.at("extras").at(e.key()) == json::value(kRedacted), text);
            }
        } else {
            FUZZ_CHECK(theirs.at(m.key()) == m.value(), text);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    boost::system::error_code ec;
    json::value input = json::parse(std::string_view(reinterpret_cast<const char *>(data), size), ec);
    if (ec || !input.is_object()) return 0;
    EnvironmentLimits limits;
    json::object stored;
    try {
        stored = normalise_environment(input.get_object(), limits);
    } catch (const plinth::sdk::Error &e) {
        FUZZ_CHECK(e.what()[0] != '\0', json::serialize(input));
        return 0;
    }
    const std::string text = json::serialize(stored);
    FUZZ_CHECK(text.size() <= limits.max_bytes, text);
    try {
        FUZZ_CHECK(normalise_environment(stored, limits) == stored, text);
    } catch (const plinth::sdk::Error &e) {
        FUZZ_CHECK(false, text + " refused when normalised again: " + e.what());
    }
    check_views(stored);
    return 0;
}
