// plinth/sdk/host.hpp — the host's services seen from C++.
#pragma once

#include <plinth/plinth.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/interface.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::sdk {

inline plinth_str to_str(std::string_view s) noexcept { return plinth_str{s.data(), s.size()}; }
inline std::string_view to_view(plinth_str s) noexcept {
    return s.size == 0 ? std::string_view{} : std::string_view{s.data, s.size};
}

// Collects everything written to a plinth_sink into a string.
struct StringSink {
    std::string text;
    plinth_sink sink{sizeof(plinth_sink), this, &StringSink::write};
    static int32_t write(void *context, const char *bytes, size_t size) {
        try {
            static_cast<StringSink *>(context)->text.append(bytes, size);
            return 0;
        } catch (...) {
            return 1;
        }
    }
};

// An empty error to pass to a call. Only the head and the message's first byte are set: a callee
// writes a NUL-terminated message, readers stop at the first NUL, and zeroing the whole message
// would cost more than many calls on the license-check path.
inline plinth_error make_error() {
    plinth_error e;
    e.struct_size = sizeof(plinth_error);
    e.code = 0;
    e.db_errno = 0;
    e.message[0] = '\0';
    return e;
}

// A module's interface found through the registry: the instance to pass as `self`, its id, and
// the checked table (empty when the module does not offer it or offers an unusable one).
template <class Table>
struct Offered {
    std::string_view module_id; // borrowed from the host while the module is loaded
    const plinth_module *module = nullptr;
    Interface<Table> table;
};

// Borrowed view of the plinth_host a module instance was created with. Cheap to copy.
// [thread-safe] like the services it wraps.
class Host {
public:
    explicit Host(const plinth_host *host) : host_(host) {
        log_ = service<plinth_log_v1>(PLINTH_SERVICE_LOG);
        clock_ = service<plinth_clock_v1>(PLINTH_SERVICE_CLOCK);
        config_ = service<plinth_config_v1>(PLINTH_SERVICE_CONFIG);
        secrets_ = service<plinth_secrets_v1>(PLINTH_SERVICE_SECRETS);
        registry_ = service<plinth_registry_v1>(PLINTH_SERVICE_REGISTRY);
        registry2_ = service<plinth_registry_v2>(PLINTH_SERVICE_REGISTRY_V2);
    }

    const plinth_host *raw() const { return host_; }

    // The host's service `id`, checked as every table is (interface.hpp): nullptr when the host
    // does not offer it or offers a table too small or with a NULL function.
    template <class Table>
    const Table *service(const char *id) const {
        return Interface<Table>(host_->get_service(host_, id)).get();
    }
    template <class Table>
    const Table *service() const {
        return service<Table>(TableId<Table>::id());
    }

    void log(plinth_log_level level, std::string_view message) const {
        if (log_) log_->write(host_, level, to_str(message));
    }

    // Unix microseconds from the host clock (injectable in tests); the system clock otherwise.
    int64_t now_us() const {
        if (clock_) return clock_->now_us(host_);
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    int64_t now_s() const { return now_us() / 1000000; }

    // This module's configuration section (with "database"); an empty object when not offered.
    boost::json::object config() const {
        if (!config_) return {};
        StringSink out;
        plinth_error error = make_error();
        throw_if_failed(config_->get(host_, &out.sink, &error), error);
        boost::json::value v = boost::json::parse(out.text);
        if (!v.is_object()) throw Error(PLINTH_E_INTERNAL, "host configuration is not an object");
        return std::move(v.get_object());
    }

    // A key of `size` bytes from the host's secrets, created on first use.
    std::vector<uint8_t> key(std::string_view name, size_t size) const {
        if (!secrets_) throw unavailable("the host offers no secrets service");
        std::vector<uint8_t> key(size);
        plinth_error error = make_error();
        throw_if_failed(secrets_->get_key(host_, to_str(name), key.data(), key.size(), &error), error);
        return key;
    }

    // The interface Table (TableId<Table>) of module `module_id`; an empty table when the module is
    // not loaded, does not offer it, or offers an unusable table.
    template <class Table>
    Offered<Table> find(std::string_view module_id) const {
        plinth_registry_entry e = find(module_id, TableId<Table>::id());
        return Offered<Table>{to_view(e.module_id), e.module, Interface<Table>(e.interface_table)};
    }

    // Every loaded module offering Table, in initialisation order. A module whose table is
    // unusable is listed with an empty table, so the caller can report it (table.problem()).
    template <class Table>
    std::vector<Offered<Table>> all() const {
        std::vector<Offered<Table>> out;
        for (const plinth_registry_entry &e : all(TableId<Table>::id()))
            out.push_back(Offered<Table>{to_view(e.module_id), e.module, Interface<Table>(e.interface_table)});
        return out;
    }

    // Every interface of every loaded module (plinth.registry/2 walk): entries name their
    // interface_id; a module offering none appears once with an empty id. Raw tables: check each
    // with Interface<T> before use. Empty when the host offers no plinth.registry/2.
    std::vector<plinth_registry_entry> walk() const {
        std::vector<plinth_registry_entry> entries;
        if (!registry2_) return entries;
        int32_t rc = registry2_->walk(host_, &entries, &collect_entry);
        if (rc != PLINTH_OK) throw Error(PLINTH_E_INTERNAL, "could not walk the loaded modules");
        return entries;
    }
    bool can_walk() const { return registry2_ != nullptr; }

    // Low level: the raw entry for `interface_id` of module `module_id` (a null table when not
    // found). Prefer find<Table>, which checks the table.
    plinth_registry_entry find(std::string_view module_id, const char *interface_id) const {
        plinth_registry_entry entry{};
        entry.struct_size = sizeof entry;
        if (!registry_) return entry;
        if (registry_->find(host_, to_str(module_id), interface_id, &entry) != PLINTH_OK)
            entry.interface_table = nullptr;
        return entry;
    }

    // Low level: every loaded module offering `interface_id`, in initialisation order, raw
    // tables. Prefer all<Table>, which checks them.
    std::vector<plinth_registry_entry> all(const char *interface_id) const {
        std::vector<plinth_registry_entry> entries;
        if (!registry_) return entries;
        int32_t rc = registry_->for_each(host_, interface_id, &entries, &collect_entry);
        if (rc != PLINTH_OK) throw Error(PLINTH_E_INTERNAL, "could not list the modules offering an interface");
        return entries;
    }

private:
    // The callback runs inside the host: it reports failure by status, never by exception.
    static int32_t collect_entry(void *context, const plinth_registry_entry *e) noexcept {
        try {
            plinth_registry_entry copy{};
            std::memcpy(&copy, e, std::min<size_t>(e->struct_size, sizeof copy));
            static_cast<std::vector<plinth_registry_entry> *>(context)->push_back(copy);
            return 0;
        } catch (...) {
            return PLINTH_E_INTERNAL;
        }
    }

    const plinth_host *host_;
    const plinth_log_v1 *log_ = nullptr;
    const plinth_clock_v1 *clock_ = nullptr;
    const plinth_config_v1 *config_ = nullptr;
    const plinth_secrets_v1 *secrets_ = nullptr;
    const plinth_registry_v1 *registry_ = nullptr;
    const plinth_registry_v2 *registry2_ = nullptr;
};

} // namespace plinth::sdk
