// The services the host offers each module (docs/abi.md): C tables over the Loaded that the
// calling module owns, reached through plinth_host.get_service.
#include "host_impl.hpp"
#include "secrets.hpp"

#include <cstring>

namespace plinth::host {

namespace {

// Services that return no status still never let an exception out into module code (rule 7).
const plinth_log_v1 kLog = {sizeof(plinth_log_v1), [](const plinth_host *h, int32_t level, plinth_str message) {
                                try {
                                    Loaded &l = Host::Impl::caller(h);
                                    l.impl->log(level, l.info.id, sdk::to_view(message));
                                } catch (...) {
                                    // A log line that cannot be written is dropped.
                                }
                            }};

const plinth_clock_v1 kClock = {sizeof(plinth_clock_v1), [](const plinth_host *h) -> int64_t {
                                    Loaded &l = Host::Impl::caller(h);
                                    try {
                                        return l.impl->clock ? l.impl->clock() : system_now_us();
                                    } catch (...) {
                                        return system_now_us();
                                    }
                                }};

const plinth_config_v1 kConfig = {
    sizeof(plinth_config_v1), [](const plinth_host *h, const plinth_sink *out, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            Loaded &l = Host::Impl::caller(h);
            std::string text = boost::json::serialize(l.impl->module_config(l.info.id));
            if (out == nullptr || out->write(out->context, text.data(), text.size()) != 0)
                throw sdk::Error(PLINTH_E_SINK, "config sink refused the configuration");
        });
    }};

const plinth_secrets_v1 kSecrets = {
    sizeof(plinth_secrets_v1),
    [](const plinth_host *h, plinth_str name, uint8_t *out, size_t size, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            Loaded &l = Host::Impl::caller(h);
            if (out == nullptr) throw sdk::invalid_argument("no output buffer");
            read_or_create_key(l.impl->options.state_dir / "secrets", l.info.id, sdk::to_view(name), out, size);
        });
    }};

const plinth_notify_v1 kNotify = {
    sizeof(plinth_notify_v1), [](const plinth_host *h, const plinth_notification *message, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            Loaded &l = Host::Impl::caller(h);
            if (message == nullptr) throw sdk::invalid_argument("no message given");
            plinth_notification m{};
            std::memcpy(&m, message, std::min<size_t>(message->struct_size, sizeof m));
            if (!l.impl->notifier) throw sdk::unavailable("this host delivers no messages to people");
            l.impl->notifier(Notification{l.info.id, std::string(sdk::to_view(m.recipient)),
                                          std::string(sdk::to_view(m.topic)), std::string(sdk::to_view(m.subject)),
                                          std::string(sdk::to_view(m.body))});
        });
    }};

// `interface_id` is the caller's own argument (find, for_each) or a live module's copy (walk).
void fill_entry(const Loaded &l, const void *table, std::string_view interface_id, plinth_registry_entry *out) {
    plinth_registry_entry e{};
    e.struct_size = sizeof e;
    e.module_id = sdk::to_str(l.info.id);
    e.module = l.instance;
    e.interface_table = table;
    e.interface_id = sdk::to_str(interface_id);
    std::memcpy(out, &e, std::min<size_t>(out->struct_size, sizeof e));
}

int32_t registry_find(const plinth_host *h, plinth_str module_id, const char *interface_id, plinth_registry_entry *out) {
    if (out == nullptr || interface_id == nullptr) return PLINTH_E_INVALID_ARGUMENT;
    Loaded *target = Host::Impl::caller(h).impl->find_live(sdk::to_view(module_id));
    if (target == nullptr) return PLINTH_E_NOT_FOUND;
    const void *table = target->instance->get_interface(target->instance, interface_id);
    if (table == nullptr) return PLINTH_E_NOT_FOUND;
    fill_entry(*target, table, interface_id, out);
    return PLINTH_OK;
}

int32_t registry_for_each(const plinth_host *h, const char *interface_id, void *context,
                          int32_t (*visit)(void *, const plinth_registry_entry *)) {
    if (interface_id == nullptr || visit == nullptr) return PLINTH_E_INVALID_ARGUMENT;
    for (const auto &l : Host::Impl::caller(h).impl->live) {
        const void *table = l->instance->get_interface(l->instance, interface_id);
        if (table == nullptr) continue;
        plinth_registry_entry e{};
        e.struct_size = sizeof e;
        fill_entry(*l, table, interface_id, &e);
        if (int32_t rc = visit(context, &e); rc != 0) return rc;
    }
    return PLINTH_OK;
}

const plinth_registry_v1 kRegistry = {sizeof(plinth_registry_v1), &registry_find, &registry_for_each};

const plinth_registry_v2 kRegistryV2 = {
    sizeof(plinth_registry_v2), &registry_find, &registry_for_each,
    [](const plinth_host *h, void *context, int32_t (*visit)(void *, const plinth_registry_entry *)) -> int32_t {
        if (visit == nullptr) return PLINTH_E_INVALID_ARGUMENT;
        try {
            const Host::Impl &impl = *Host::Impl::caller(h).impl;
            for (const auto &l : impl.live) {
                auto offered = impl.offered_by(*l);
                plinth_registry_entry e{};
                e.struct_size = sizeof e;
                if (offered.empty()) { // still visited: the walk sees every loaded module
                    fill_entry(*l, nullptr, {}, &e);
                    if (int32_t rc = visit(context, &e); rc != 0) return rc;
                }
                for (const auto &[id, table] : offered) {
                    fill_entry(*l, table, *id, &e);
                    if (int32_t rc = visit(context, &e); rc != 0) return rc;
                }
            }
            return PLINTH_OK;
        } catch (...) {
            return PLINTH_E_INTERNAL; // out of memory while listing: nothing crosses into the module
        }
    }};

} // namespace

const void *Host::Impl::get_service(const plinth_host *h, const char *id) {
    if (id == nullptr) return nullptr;
    std::string_view want(id);
    if (want == PLINTH_SERVICE_LOG) return &kLog;
    if (want == PLINTH_SERVICE_CLOCK) return &kClock;
    if (want == PLINTH_SERVICE_CONFIG) return &kConfig;
    if (want == PLINTH_SERVICE_SECRETS) return &kSecrets;
    if (want == PLINTH_SERVICE_REGISTRY) return &kRegistry;
    if (want == PLINTH_SERVICE_REGISTRY_V2) return &kRegistryV2;
    if (want == PLINTH_SERVICE_CONNECTIONS) return &storage::connections_service<&Impl::connections_of>();
    if (want == PLINTH_SERVICE_DB) return &storage::db_service_table<&Impl::database_of>();
    // Offered only while the host can deliver, so a module can tell before it promises a message.
    if (want == PLINTH_SERVICE_NOTIFY) return h != nullptr && caller(h).impl->notifier ? &kNotify : nullptr;
    return nullptr;
}

} // namespace plinth::host
