#include "registry_directory.hpp"

#include <plinth/plinth.h>

#include <algorithm>
#include <cstring>
#include <exception>

namespace plinth::privacy {

namespace {

std::string module_id(const plinth_registry_entry &e) { return std::string(sdk::to_view(e.module_id)); }
template <class Table>
std::string module_id(const sdk::Offered<Table> &e) { return std::string(e.module_id); }

// A table another module offers, checked by the SDK's one rule (sdk/interface.hpp); an unusable
// one is an error naming the module, never a silent skip: a skipped eraser would leave data behind.
template <class Table>
const Table &usable(const sdk::Offered<Table> &e) {
    if (!e.table)
        throw sdk::unavailable("module '" + module_id(e) + "' offers " + sdk::TableId<Table>::id() + " but " +
                               (e.table.problem() ? e.table.problem() : "no table"));
    return *e.table;
}

// Keeps the first exception a callback raised, to rethrow once control is back in our frames.
struct CallbackError {
    std::exception_ptr error;
    template <class Body>
    int32_t run(Body &&body) noexcept {
        if (error) return 1;
        try {
            body();
            return 0;
        } catch (...) {
            error = std::current_exception();
            return 1;
        }
    }
    void rethrow_if_any() const {
        if (error) std::rethrow_exception(error);
    }
};

void check_status(int32_t status, const plinth_error &error, const CallbackError &callback,
                  const std::string &what) {
    callback.rethrow_if_any(); // our own failure explains a PLINTH_E_SINK best
    if (status != PLINTH_OK)
        throw sdk::Error(static_cast<plinth_status>(status), what + ": " + error.message, error.db_errno);
}

class AbiParticipant final : public Participant {
public:
    AbiParticipant(std::string module, const plinth_module *instance, sdk::Interface<plinth_personal_data_v1> table)
        : module_(std::move(module)), instance_(instance), table_(table) {}

    const std::string &module() const override { return module_; }

    void export_subject(const sdk::Subject &subject, ExportReceiver &out) override {
        if (!table_) throw sdk::unavailable("module '" + module_ + "' offers an unusable export: " + table_.problem());
        struct Context {
            ExportReceiver *out;
            CallbackError callback;
        } context{&out, {}};
        plinth_export_sink sink{sizeof(plinth_export_sink), &context,
                                [](void *c, plinth_str category, plinth_str json) -> int32_t {
                                    auto *ctx = static_cast<Context *>(c);
                                    return ctx->callback.run(
                                        [&] { ctx->out->item(sdk::to_view(category), sdk::to_view(json)); });
                                },
                                [](void *c, plinth_str category, plinth_str name, plinth_str media_type,
                                   const uint8_t *bytes, size_t size) -> int32_t {
                                    auto *ctx = static_cast<Context *>(c);
                                    return ctx->callback.run([&] {
                                        if (bytes == nullptr && size != 0)
                                            throw sdk::Error(PLINTH_E_INTERNAL, "a file without bytes");
                                        ctx->out->file(sdk::to_view(category), sdk::to_view(name),
                                                       sdk::to_view(media_type), bytes, size);
                                    });
                                }};
        AbiSubject abi(subject);
        plinth_error error = sdk::make_error();
        int32_t status = table_->export_subject(instance_, abi.get(), &sink, &error);
        check_status(status, error, context.callback, "module '" + module_ + "' failed to export");
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, ErasureReceiver &out) override {
        if (!table_) throw sdk::unavailable("module '" + module_ + "' offers an unusable erasure: " + table_.problem());
        struct Context {
            const std::string *module;
            ErasureReceiver *out;
            CallbackError callback;
        } context{&module_, &out, {}};
        plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &context,
                                 [](void *c, const plinth_erasure_item *given) -> int32_t {
                                     auto *ctx = static_cast<Context *>(c);
                                     return ctx->callback.run([&] {
                                         if (given == nullptr) throw sdk::Error(PLINTH_E_INTERNAL, "no item");
                                         plinth_erasure_item item{};
                                         std::memcpy(&item, given,
                                                     std::min<size_t>(given->struct_size, sizeof item));
                                         ErasureRecord r;
                                         r.module = *ctx->module;
                                         r.category = std::string(sdk::to_view(item.category));
                                         r.item = std::string(sdk::to_view(item.item));
                                         r.outcome = outcome_from_abi(item.outcome);
                                         if (r.outcome == Outcome::retained) {
                                             r.legal_basis = std::string(sdk::to_view(item.legal_basis));
                                             r.retained_until = item.retained_until;
                                         }
                                         check_record(r);
                                         ctx->out->outcome(r);
                                     });
                                 }};
        AbiSubject abi(subject);
        plinth_error error = sdk::make_error();
        int32_t status = table_->erase_subject(instance_, abi.get(), dry_run ? 1 : 0, &sink, &error);
        check_status(status, error, context.callback, "module '" + module_ + "' failed to erase");
    }

private:
    std::string module_;
    const plinth_module *instance_;
    sdk::Interface<plinth_personal_data_v1> table_;
};

} // namespace

AbiSubject::AbiSubject(const sdk::Subject &subject) {
    emails_.reserve(subject.emails.size());
    for (const auto &e : subject.emails) emails_.push_back(sdk::to_str(e));
    subject_.struct_size = sizeof subject_;
    subject_.user_id = subject.user_id;
    subject_.emails = emails_.empty() ? nullptr : emails_.data();
    subject_.email_count = emails_.size();
}

Register RegistryDirectory::inventory(int64_t now_s) {
    Register reg;
    reg.generated_at = now_s;
    // One walk over every interface of every loaded module (plinth.registry/2), in initialisation
    // order: no list of interface ids here, so an interface invented later is reported too.
    if (!host_.can_walk()) throw sdk::unavailable("the host offers no plinth.registry/2 to walk its modules");
    std::vector<std::string> order;
    std::vector<std::pair<std::string, std::string>> offers; // (module, interface)
    std::vector<sdk::Offered<plinth_data_inventory_v1>> inventories;
    for (const auto &e : host_.walk()) {
        const std::string id = module_id(e);
        if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
        const std::string_view interface = sdk::to_view(e.interface_id);
        if (interface.empty() || e.interface_table == nullptr) continue;
        offers.emplace_back(id, interface);
        if (interface == PLINTH_EXT_DATA_INVENTORY)
            inventories.push_back({sdk::to_view(e.module_id), e.module,
                                   sdk::Interface<plinth_data_inventory_v1>(e.interface_table)});
    }
    for (const auto &id : order) {
        ModuleRecord m;
        m.module = id;
        for (const auto &[module, interface] : offers)
            if (module == id) m.interfaces.push_back(interface);
        auto offers_id = [&](const char *iface) {
            return std::find(m.interfaces.begin(), m.interfaces.end(), iface) != m.interfaces.end();
        };
        m.data_inventory = offers_id(PLINTH_EXT_DATA_INVENTORY);
        m.personal_data = offers_id(PLINTH_EXT_PERSONAL_DATA);
        m.retention = offers_id(PLINTH_EXT_RETENTION);
        reg.modules.push_back(std::move(m));
    }
    for (const auto &e : inventories) {
        const plinth_data_inventory_v1 &table = usable(e);
        const std::string id = module_id(e);
        auto it = std::find_if(reg.modules.begin(), reg.modules.end(), [&](const ModuleRecord &m) { return m.module == id; });
        struct Context {
            ModuleRecord *record;
            CallbackError callback;
        } context{&*it, {}};
        plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &context,
                                   [](void *c, const plinth_data_category *given) -> int32_t {
                                       auto *ctx = static_cast<Context *>(c);
                                       return ctx->callback.run([&] {
                                           plinth_data_category d{};
                                           std::memcpy(&d, given, std::min<size_t>(given->struct_size, sizeof d));
                                           Category cat{std::string(sdk::to_view(d.name)),
                                                        std::string(sdk::to_view(d.fields)),
                                                        std::string(sdk::to_view(d.purpose)),
                                                        std::string(sdk::to_view(d.legal_basis)),
                                                        std::string(sdk::to_view(d.retention)),
                                                        d.retention_days,
                                                        std::string(sdk::to_view(d.recipients))};
                                           if (cat.name.empty())
                                               throw sdk::Error(PLINTH_E_INTERNAL, "a category without a name");
                                           ctx->record->categories.push_back(std::move(cat));
                                       });
                                   }};
        plinth_error error = sdk::make_error();
        int32_t status = table.list_categories(e.module, &sink, &error);
        check_status(status, error, context.callback, "module '" + id + "' failed to list its data categories");
    }
    return reg;
}

std::vector<std::unique_ptr<Participant>> RegistryDirectory::participants() {
    std::vector<std::unique_ptr<Participant>> out;
    for (const auto &e : host_.all<plinth_personal_data_v1>()) {
        const std::string id = module_id(e);
        if (id == self_) continue;
        out.push_back(std::make_unique<AbiParticipant>(id, e.module, e.table));
    }
    return out;
}

std::vector<ModuleSweep> RegistryDirectory::sweep_others(int64_t now_us) {
    std::vector<ModuleSweep> out;
    for (const auto &e : host_.all<plinth_retention_v1>()) {
        const std::string id = module_id(e);
        if (id == self_) continue;
        ModuleSweep result;
        result.module = id;
        struct Context {
            ModuleSweep *result;
            CallbackError callback;
        } context{&result, {}};
        plinth_retention_sink sink{sizeof(plinth_retention_sink), &context,
                                   [](void *c, const plinth_retention_count *given) -> int32_t {
                                       auto *ctx = static_cast<Context *>(c);
                                       return ctx->callback.run([&] {
                                           plinth_retention_count r{};
                                           std::memcpy(&r, given, std::min<size_t>(given->struct_size, sizeof r));
                                           ctx->result->counts.push_back({std::string(sdk::to_view(r.category)),
                                                                          std::string(sdk::to_view(r.action)),
                                                                          r.count});
                                       });
                                   }};
        try {
            const plinth_retention_v1 &table = usable(e);
            plinth_error error = sdk::make_error();
            int32_t status = table.sweep(e.module, now_us, &sink, &error);
            check_status(status, error, context.callback, "retention sweep failed");
        } catch (const std::exception &ex) {
            // One module's failure must not keep the others from deleting what has expired.
            result.error = ex.what();
        }
        out.push_back(std::move(result));
    }
    return out;
}

std::optional<sdk::Subject> RegistryDirectory::resolve(std::string_view email) {
    return ask_resolver(email, 0);
}

std::optional<sdk::Subject> RegistryDirectory::resolve_user(int64_t user_id) {
    return ask_resolver({}, user_id);
}

// Asks the first module offering plinth.subject-resolver/1 (accounts, in the standard set). With
// none loaded there are no accounts, and the caller works with the address alone.
std::optional<sdk::Subject> RegistryDirectory::ask_resolver(std::string_view email, int64_t user_id) {
    auto resolvers = host_.all<plinth_subject_resolver_v1>();
    if (resolvers.empty()) return std::nullopt;
    const auto &resolver = resolvers.front();
    const plinth_subject_resolver_v1 &table = usable(resolver);
    struct Context {
        sdk::Subject subject;
        bool answered = false;
        CallbackError callback;
    } context;
    plinth_subject_sink sink{sizeof(plinth_subject_sink), &context,
                             [](void *c, const plinth_subject *given) -> int32_t {
                                 auto *ctx = static_cast<Context *>(c);
                                 return ctx->callback.run([&] {
                                     if (given == nullptr || ctx->answered)
                                         throw sdk::unavailable("the subject resolver answered twice or with nothing");
                                     ctx->subject = sdk::Subject::from(given);
                                     ctx->answered = true;
                                 });
                             }};
    plinth_error error = sdk::make_error();
    int32_t status = table.resolve(resolver.module, sdk::to_str(email), user_id, &sink, &error);
    context.callback.rethrow_if_any();
    if (status != PLINTH_OK)
        // A refused address keeps its status (the caller gave bad input); anything else means
        // the subject cannot be known, and going on would miss the account's data.
        throw sdk::Error(status == PLINTH_E_INVALID_ARGUMENT ? PLINTH_E_INVALID_ARGUMENT : PLINTH_E_UNAVAILABLE,
                         "module '" + module_id(resolver) + "' could not resolve the subject: " +
                             sdk::message_of(error, status));
    if (!context.answered || context.subject.user_id < 0)
        throw sdk::unavailable("module '" + module_id(resolver) + "' resolved the subject without an answer");
    return std::move(context.subject);
}

// Asks the first module offering plinth.account-roles/1 (accounts, in the standard set). With
// none loaded there are no accounts, so nobody holds a role to protect.
std::optional<int32_t> RegistryDirectory::role_of(int64_t user_id) {
    auto providers = host_.all<plinth_account_roles_v1>();
    if (providers.empty()) return std::nullopt;
    const auto &provider = providers.front();
    const plinth_account_roles_v1 &table = usable(provider);
    int32_t role = -1;
    plinth_error error = sdk::make_error();
    int32_t status = table.role_of(provider.module, user_id, &role, &error);
    if (status == PLINTH_E_NOT_FOUND) return std::nullopt; // erased meanwhile: no role to protect
    if (status != PLINTH_OK)
        throw sdk::unavailable("module '" + module_id(provider) + "' could not tell the account's role: " +
                               sdk::message_of(error, status));
    // A role outside the three the header names is a broken answer: guessing one could let staff
    // erase an administrator, so the request waits instead.
    if (role != PLINTH_ROLE_CUSTOMER && role != PLINTH_ROLE_STAFF && role != PLINTH_ROLE_ADMIN)
        throw sdk::unavailable("module '" + module_id(provider) + "' answered an unknown role " + std::to_string(role));
    return role;
}

std::vector<ListenerResult> RegistryDirectory::notify_consent(const sdk::Subject &subject, std::string_view purpose,
                                                              bool allowed) {
    std::vector<ListenerResult> out;
    AbiSubject abi(subject);
    for (const auto &e : host_.all<plinth_consent_listener_v1>()) {
        const std::string id = module_id(e);
        if (id == self_) continue;
        ListenerResult r{id, {}};
        if (!e.table) {
            r.error = std::string("offers plinth.consent-listener/1 but ") + (e.table.problem() ? e.table.problem() : "no table");
        } else {
            plinth_error error = sdk::make_error();
            int32_t status = e.table->consent_changed(e.module, abi.get(), sdk::to_str(purpose), allowed ? 1 : 0, &error);
            if (status != PLINTH_OK) r.error = std::string(sdk::status_name(status)) + ": " + error.message;
        }
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace plinth::privacy
