#include "registry_directory.hpp"

#include <plinth/plinth.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <exception>

namespace plinth::privacy {

namespace {

// The interface ids the inventory reports; a module offering none of them is invisible to the
// registry walk (there is no "every module" query in plinth.registry/1).
const char *const kKnownInterfaces[] = {
    PLINTH_EXT_COMMAND,   PLINTH_EXT_PERSONAL_DATA, PLINTH_EXT_DATA_INVENTORY,  PLINTH_EXT_RETENTION,
    PLINTH_EXT_SCHEMA,    PLINTH_EXT_CONSENT,       PLINTH_EXT_CONSENT_LISTENER, PLINTH_EXT_LICENSE_CHECK,
    PLINTH_EXT_SESSION_CHECK,
};

// Copies a table the way rule 4 asks: min(struct_size, sizeof) into a zeroed local.
template <class Table>
Table copy_table(const void *offered) {
    Table table{};
    const auto *t = static_cast<const Table *>(offered);
    if (t != nullptr) std::memcpy(&table, t, std::min<size_t>(t->struct_size, sizeof table));
    return table;
}

std::string module_id(const plinth_registry_entry &e) { return std::string(sdk::to_view(e.module_id)); }

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
    AbiParticipant(std::string module, const plinth_module *instance, plinth_personal_data_v1 table)
        : module_(std::move(module)), instance_(instance), table_(table) {}

    const std::string &module() const override { return module_; }

    void export_subject(const sdk::Subject &subject, ExportReceiver &out) override {
        if (table_.export_subject == nullptr)
            throw sdk::unavailable("module '" + module_ + "' offers no export_subject");
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
        int32_t status = table_.export_subject(instance_, abi.get(), &sink, &error);
        check_status(status, error, context.callback, "module '" + module_ + "' failed to export");
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, ErasureReceiver &out) override {
        if (table_.erase_subject == nullptr)
            throw sdk::unavailable("module '" + module_ + "' offers no erase_subject");
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
        int32_t status = table_.erase_subject(instance_, abi.get(), dry_run ? 1 : 0, &sink, &error);
        check_status(status, error, context.callback, "module '" + module_ + "' failed to erase");
    }

private:
    std::string module_;
    const plinth_module *instance_;
    plinth_personal_data_v1 table_;
};

// Inserts each module of `list` after its predecessor in that list: every registry walk is in
// initialisation order, so merging the walks keeps that order.
void merge_order(std::vector<std::string> &order, const std::vector<std::string> &list) {
    size_t cursor = 0;
    for (const auto &id : list) {
        auto it = std::find(order.begin(), order.end(), id);
        if (it != order.end()) {
            cursor = static_cast<size_t>(it - order.begin()) + 1;
        } else {
            order.insert(order.begin() + static_cast<std::ptrdiff_t>(cursor), id);
            ++cursor;
        }
    }
}

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
    std::vector<std::string> order;
    std::vector<std::pair<std::string, std::string>> offers; // (module, interface)
    std::vector<plinth_registry_entry> inventories;
    for (const char *id : kKnownInterfaces) {
        std::vector<std::string> list;
        for (const auto &e : host_.all(id)) {
            if (e.interface_table == nullptr) continue;
            list.push_back(module_id(e));
            offers.emplace_back(module_id(e), id);
            if (std::strcmp(id, PLINTH_EXT_DATA_INVENTORY) == 0) inventories.push_back(e);
        }
        merge_order(order, list);
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
        auto table = copy_table<plinth_data_inventory_v1>(e.interface_table);
        if (table.list_categories == nullptr) continue;
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
    for (const auto &e : host_.all(PLINTH_EXT_PERSONAL_DATA)) {
        const std::string id = module_id(e);
        if (id == self_ || e.interface_table == nullptr) continue;
        out.push_back(std::make_unique<AbiParticipant>(id, e.module,
                                                       copy_table<plinth_personal_data_v1>(e.interface_table)));
    }
    return out;
}

std::vector<ModuleSweep> RegistryDirectory::sweep_others(int64_t now_us) {
    std::vector<ModuleSweep> out;
    for (const auto &e : host_.all(PLINTH_EXT_RETENTION)) {
        const std::string id = module_id(e);
        if (id == self_ || e.interface_table == nullptr) continue;
        ModuleSweep result;
        result.module = id;
        auto table = copy_table<plinth_retention_v1>(e.interface_table);
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
            if (table.sweep == nullptr) throw sdk::unavailable("offers plinth.retention/1 without sweep");
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
    return ask_accounts({{"email", email}});
}

std::optional<sdk::Subject> RegistryDirectory::resolve_user(int64_t user_id) {
    return ask_accounts({{"user_id", user_id}});
}

std::optional<sdk::Subject> RegistryDirectory::ask_accounts(const boost::json::object &request) {
    plinth_registry_entry accounts = host_.find("accounts", PLINTH_EXT_COMMAND);
    if (accounts.interface_table == nullptr) return std::nullopt;
    auto table = copy_table<plinth_command_v1>(accounts.interface_table);
    if (table.execute == nullptr) throw sdk::unavailable("the accounts module offers no command execution");
    const std::string args = boost::json::serialize(request);
    plinth_call_context system{};
    system.struct_size = sizeof system;
    system.principal = PLINTH_PRINCIPAL_SYSTEM;
    system.role = PLINTH_ROLE_ADMIN;
    sdk::StringSink out;
    plinth_error error = sdk::make_error();
    int32_t status = table.execute(accounts.module, &system, sdk::to_str("subject.resolve"), sdk::to_str(args),
                                   &out.sink, &error);
    if (status != PLINTH_OK)
        // A refused address keeps its status (the caller gave bad input); anything else means
        // the subject cannot be known, and going on would miss the account's data.
        throw sdk::Error(status == PLINTH_E_INVALID_ARGUMENT ? PLINTH_E_INVALID_ARGUMENT : PLINTH_E_UNAVAILABLE,
                         std::string("the accounts module could not resolve the subject: ") + error.message);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(out.text, ec);
    const boost::json::object *o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const boost::json::value *id = o ? o->if_contains("user_id") : nullptr;
    const boost::json::value *emails = o ? o->if_contains("emails") : nullptr;
    if (id == nullptr || !id->is_int64() || id->get_int64() < 0 || emails == nullptr || !emails->is_array())
        throw sdk::unavailable("the accounts module answered subject.resolve with an unexpected document");
    sdk::Subject subject;
    subject.user_id = id->get_int64();
    for (const auto &e : emails->get_array()) {
        if (!e.is_string()) throw sdk::unavailable("the accounts module listed an email that is not a string");
        subject.emails.emplace_back(e.get_string());
    }
    return subject;
}

std::optional<int32_t> RegistryDirectory::role_of(int64_t user_id) {
    plinth_registry_entry accounts = host_.find("accounts", PLINTH_EXT_COMMAND);
    if (accounts.interface_table == nullptr) return std::nullopt;
    auto table = copy_table<plinth_command_v1>(accounts.interface_table);
    if (table.execute == nullptr) throw sdk::unavailable("the accounts module offers no command execution");
    const std::string args = boost::json::serialize(boost::json::object{{"user_id", user_id}});
    plinth_call_context system{sizeof(plinth_call_context), PLINTH_PRINCIPAL_SYSTEM, 0, PLINTH_ROLE_ADMIN, {nullptr, 0},
                               {nullptr, 0}};
    sdk::StringSink out;
    plinth_error error = sdk::make_error();
    int32_t status = table.execute(accounts.module, &system, sdk::to_str("profile.get"), sdk::to_str(args), &out.sink,
                                   &error);
    if (status == PLINTH_E_NOT_FOUND) return std::nullopt; // erased meanwhile: no role to protect
    if (status != PLINTH_OK)
        throw sdk::unavailable(std::string("the accounts module could not tell the account's role: ") + error.message);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(out.text, ec);
    const boost::json::value *role = !ec && v.is_object() ? v.get_object().if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string())
        throw sdk::unavailable("the accounts module answered profile.get without a role");
    if (role->get_string() == "admin") return PLINTH_ROLE_ADMIN;
    if (role->get_string() == "staff") return PLINTH_ROLE_STAFF;
    // Anything else is treated as the least privileged role the caller may act for.
    return PLINTH_ROLE_CUSTOMER;
}

std::vector<ListenerResult> RegistryDirectory::notify_consent(const sdk::Subject &subject, std::string_view purpose,
                                                              bool allowed) {
    std::vector<ListenerResult> out;
    AbiSubject abi(subject);
    for (const auto &e : host_.all(PLINTH_EXT_CONSENT_LISTENER)) {
        const std::string id = module_id(e);
        if (id == self_ || e.interface_table == nullptr) continue;
        ListenerResult r{id, {}};
        auto table = copy_table<plinth_consent_listener_v1>(e.interface_table);
        if (table.consent_changed == nullptr) {
            r.error = "offers plinth.consent-listener/1 without consent_changed";
        } else {
            plinth_error error = sdk::make_error();
            int32_t status = table.consent_changed(e.module, abi.get(), sdk::to_str(purpose), allowed ? 1 : 0, &error);
            if (status != PLINTH_OK) r.error = std::string(sdk::status_name(status)) + ": " + error.message;
        }
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace plinth::privacy
