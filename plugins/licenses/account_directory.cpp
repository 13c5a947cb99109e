#include "account_directory.hpp"

#include <plinth/ext/command.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace plinth::licenses {

std::optional<bool> account_exists(const sdk::Host &host, int64_t user_id) {
    plinth_registry_entry accounts = host.find("accounts", PLINTH_EXT_COMMAND);
    if (accounts.interface_table == nullptr) return std::nullopt;
    // Read with the module's own struct_size: a table from an older module may be shorter.
    plinth_command_v1 table{};
    const auto *offered = static_cast<const plinth_command_v1 *>(accounts.interface_table);
    std::memcpy(&table, offered, std::min<size_t>(offered->struct_size, sizeof table));
    if (table.execute == nullptr) throw sdk::unavailable("the accounts module offers no command execution");

    const std::string args = boost::json::serialize(boost::json::object{{"user_id", user_id}});
    plinth_call_context system{sizeof(plinth_call_context), PLINTH_PRINCIPAL_SYSTEM, 0, PLINTH_ROLE_ADMIN, {nullptr, 0},
                               {nullptr, 0}};
    sdk::StringSink out;
    plinth_error error = sdk::make_error();
    int32_t status = table.execute(accounts.module, &system, sdk::to_str("subject.resolve"), sdk::to_str(args),
                                   &out.sink, &error);
    if (status != PLINTH_OK) {
        // The message is the other module's text: bounded before it is quoted.
        std::string message(error.message, strnlen(error.message, sizeof error.message));
        throw sdk::unavailable("the accounts module could not look up user " + std::to_string(user_id) + ": " +
                               message);
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(out.text, ec);
    const boost::json::value *id = !ec && v.is_object() ? v.get_object().if_contains("user_id") : nullptr;
    if (id == nullptr || !id->is_int64())
        throw sdk::unavailable("the accounts module answered subject.resolve with an unexpected document");
    // subject.resolve answers user_id 0 for an id that names no account (never existed, or erased).
    return id->get_int64() == user_id;
}

} // namespace plinth::licenses
