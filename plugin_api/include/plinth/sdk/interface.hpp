// plinth/sdk/interface.hpp — the one place a function table from the other side is checked.
//
// The rule (docs/abi.md, "Function tables"): a table is frozen per id. Its layout never changes
// once released, every function in it is required, and anything new is a new id ("/2") that a
// module or host may offer next to the old one. A consumer therefore needs exactly two checks on
// a table it did not build: its struct_size covers the layout of the id it asked for, and no
// function pointer in it is NULL. A table failing either is treated as not offered, and
// problem() says why, so a broken module is reported instead of crashing its caller.
//
// Host and modules use this helper for every table they receive: sdk::Host for services and the
// registry, plinth::host::Host for module interfaces.
//
//   sdk::Interface<plinth_command_v1> commands(module->get_interface(module, PLINTH_EXT_COMMAND));
//   if (commands) commands->execute(module, ...);
//
// TableId<T> names the id of each standard table, so typed lookups cannot pair a table with the
// wrong id: host.find<plinth_subject_resolver_v1>("accounts"), host.all<plinth_retention_v1>().
#pragma once

#include <plinth/plinth.h>
#include <plinth/ext/release_download.h>
#include <plinth/ext/release_publish.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace plinth::sdk {

// Why `offered`, handed over as a `Table`, cannot be used; nullptr when it can. A NULL table is
// "not offered" and has no problem. Every table is a uint32_t struct_size followed by function
// pointers only (the static_asserts hold the shape), so the function slots are the pointer-sized
// words after the first. [thread-safe]
template <class Table>
const char *table_problem(const void *offered) noexcept {
    static_assert(std::is_standard_layout_v<Table> && std::is_trivially_copyable_v<Table>);
    static_assert(sizeof(Table) % sizeof(void (*)()) == 0 && sizeof(Table) > sizeof(void (*)()),
                  "a function table is struct_size followed by function pointers");
    if (offered == nullptr) return nullptr;
    uint32_t size = 0;
    std::memcpy(&size, offered, sizeof size);
    if (size < sizeof(Table)) return "its table is smaller than the layout of its id (struct_size too small)";
    const auto *bytes = static_cast<const unsigned char *>(offered);
    for (size_t at = sizeof(void (*)()); at < sizeof(Table); at += sizeof(void (*)())) {
        void (*function)() = nullptr;
        std::memcpy(&function, bytes + at, sizeof function);
        if (function == nullptr) return "its table leaves a required function NULL";
    }
    return nullptr;
}

// The id a standard table is offered under. Specialise it for a table of your own to use the
// id-less helpers (Host::find<T>, Host::all<T>, Host::service<T>()).
template <class Table>
struct TableId;

#define PLINTH_SDK_TABLE_ID(TABLE, ID)                                                                                 \
    template <>                                                                                                        \
    struct TableId<TABLE> {                                                                                            \
        static const char *id() noexcept { return ID; }                                                                \
    }
PLINTH_SDK_TABLE_ID(plinth_log_v1, PLINTH_SERVICE_LOG);
PLINTH_SDK_TABLE_ID(plinth_clock_v1, PLINTH_SERVICE_CLOCK);
PLINTH_SDK_TABLE_ID(plinth_config_v1, PLINTH_SERVICE_CONFIG);
PLINTH_SDK_TABLE_ID(plinth_secrets_v1, PLINTH_SERVICE_SECRETS);
PLINTH_SDK_TABLE_ID(plinth_registry_v1, PLINTH_SERVICE_REGISTRY);
PLINTH_SDK_TABLE_ID(plinth_registry_v2, PLINTH_SERVICE_REGISTRY_V2);
PLINTH_SDK_TABLE_ID(plinth_connections_v1, PLINTH_SERVICE_CONNECTIONS);
PLINTH_SDK_TABLE_ID(plinth_notify_v1, PLINTH_SERVICE_NOTIFY);
PLINTH_SDK_TABLE_ID(plinth_db_v1, PLINTH_SERVICE_DB);
PLINTH_SDK_TABLE_ID(plinth_account_roles_v1, PLINTH_EXT_ACCOUNT_ROLES);
PLINTH_SDK_TABLE_ID(plinth_command_v1, PLINTH_EXT_COMMAND);
PLINTH_SDK_TABLE_ID(plinth_consent_v1, PLINTH_EXT_CONSENT);
PLINTH_SDK_TABLE_ID(plinth_consent_listener_v1, PLINTH_EXT_CONSENT_LISTENER);
PLINTH_SDK_TABLE_ID(plinth_data_inventory_v1, PLINTH_EXT_DATA_INVENTORY);
PLINTH_SDK_TABLE_ID(plinth_license_check_v1, PLINTH_EXT_LICENSE_CHECK);
PLINTH_SDK_TABLE_ID(plinth_license_check_v2, PLINTH_EXT_LICENSE_CHECK_V2);
PLINTH_SDK_TABLE_ID(plinth_personal_data_v1, PLINTH_EXT_PERSONAL_DATA);
PLINTH_SDK_TABLE_ID(plinth_release_download_v1, PLINTH_EXT_RELEASE_DOWNLOAD);
PLINTH_SDK_TABLE_ID(plinth_release_publish_v1, PLINTH_EXT_RELEASE_PUBLISH);
PLINTH_SDK_TABLE_ID(plinth_retention_v1, PLINTH_EXT_RETENTION);
PLINTH_SDK_TABLE_ID(plinth_schema_v1, PLINTH_EXT_SCHEMA);
PLINTH_SDK_TABLE_ID(plinth_session_check_v1, PLINTH_EXT_SESSION_CHECK);
PLINTH_SDK_TABLE_ID(plinth_subject_resolver_v1, PLINTH_EXT_SUBJECT_RESOLVER);
#undef PLINTH_SDK_TABLE_ID

// A checked, borrowed function table: empty when not offered or unusable. The table itself is
// not copied (a frozen table is read as the layout of its id), so the Interface lives no longer
// than the instance or host that offered it. Cheap to copy. [thread-safe]
template <class Table>
class Interface {
public:
    Interface() = default;
    explicit Interface(const void *offered) noexcept : problem_(table_problem<Table>(offered)) {
        if (problem_ == nullptr) table_ = static_cast<const Table *>(offered);
    }

    // The table `id` (default: TableId<Table>) of a module instance.
    static Interface of(const plinth_module *module, const char *id = TableId<Table>::id()) noexcept {
        return Interface(module != nullptr && module->get_interface != nullptr ? module->get_interface(module, id)
                                                                               : nullptr);
    }

    explicit operator bool() const noexcept { return table_ != nullptr; }
    const Table *get() const noexcept { return table_; }
    const Table *operator->() const noexcept { return table_; }
    const Table &operator*() const noexcept { return *table_; }
    // Why an offered table was refused; nullptr when usable or simply not offered.
    const char *problem() const noexcept { return problem_; }

private:
    const Table *table_ = nullptr;
    const char *problem_ = nullptr;
};

} // namespace plinth::sdk
