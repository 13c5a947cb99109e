// plinth/sdk/module.hpp — write a Plinth module as a C++ class.
//
//   class Hello : public plinth::sdk::Module {
//   public:
//       explicit Hello(const plinth::sdk::Host &host) : Module(host) {
//           commands().add({"greet", "Says hello", Access::anonymous,
//                           [](const Caller &, Args &args) {
//                               return boost::json::value{{"hello", args.string("name")}};
//                           }});
//       }
//   };
//   PLINTH_MODULE(Hello, "hello", "1.0.0", "Greets people")
//
// Implement PersonalData, DataInventory, Retention or Schema (multiple inheritance) and the
// matching plinth.* interfaces are offered automatically; offer typed fast paths of your own with
// extra_interfaces(). The SDK lists every offered id in plinth_module.interface_ids (ABI 1.2). Every call from the host passes through
// sdk::guard, so exceptions never cross the ABI.
#pragma once

#include <plinth/plinth.h>
#include <plinth/sdk/args.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>
#include <plinth/sdk/interface.hpp>

#include <boost/json.hpp>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::sdk {

enum class Access { anonymous, customer, staff, admin, system };

inline const char *access_name(Access a) {
    switch (a) {
    case Access::anonymous: return "anonymous";
    case Access::customer: return "customer";
    case Access::staff: return "staff";
    case Access::admin: return "admin";
    default: return "system";
    }
}

// Who is calling, as established by the host.
struct Caller {
    int32_t principal = PLINTH_PRINCIPAL_ANONYMOUS;
    int64_t user_id = 0;
    int32_t role = PLINTH_ROLE_CUSTOMER;
    // ABI 1.1: the request behind the call, empty from a 1.0 host or outside a request. Borrowed
    // from the host for the duration of the call: copy them to keep them.
    std::string_view client_address;
    std::string_view request_id;

    static Caller from(const plinth_call_context *c) {
        Caller caller;
        if (c == nullptr) return caller;
        plinth_call_context local{};
        std::memcpy(&local, c, std::min<size_t>(c->struct_size, sizeof local));
        caller.principal = local.principal;
        caller.user_id = local.user_id;
        caller.role = local.role;
        caller.client_address = to_view(local.client_address);
        caller.request_id = to_view(local.request_id);
        return caller;
    }
    static Caller system() { return Caller{PLINTH_PRINCIPAL_SYSTEM, 0, PLINTH_ROLE_ADMIN, {}, {}}; }
    static Caller user(int64_t id, int32_t role) { return Caller{PLINTH_PRINCIPAL_USER, id, role, {}, {}}; }

    bool is_system() const { return principal == PLINTH_PRINCIPAL_SYSTEM; }
    bool is_user() const { return principal == PLINTH_PRINCIPAL_USER; }
    bool is_staff() const { return is_system() || (is_user() && role >= PLINTH_ROLE_STAFF); }
    bool is_admin() const { return is_system() || (is_user() && role >= PLINTH_ROLE_ADMIN); }
    // True for the system, staff, or the user `owner` themselves.
    bool may_act_for(int64_t owner) const { return is_staff() || (is_user() && user_id == owner); }

    void require(Access access) const {
        switch (access) {
        case Access::anonymous: return;
        case Access::customer:
            if (!is_user() && !is_system()) throw unauthenticated("this command needs a signed-in user");
            return;
        case Access::staff:
            if (!is_staff()) throw permission_denied("this command is for staff only");
            return;
        case Access::admin:
            if (!is_admin()) throw permission_denied("this command is for administrators only");
            return;
        case Access::system:
            if (!is_system()) throw permission_denied("this command is for the host only");
            return;
        }
    }
};

using CommandHandler = std::function<boost::json::value(const Caller &, Args &)>;

struct Command {
    std::string name;
    std::string summary;
    Access access;
    CommandHandler handler;
};

class Commands {
public:
    void add(Command command) {
        std::string name = command.name;
        commands_.emplace(std::move(name), std::move(command));
    }
    bool empty() const { return commands_.empty(); }

    boost::json::array describe() const {
        boost::json::array list;
        for (const auto &[name, c] : commands_)
            list.push_back({{"name", name}, {"summary", c.summary}, {"access", access_name(c.access)}});
        return list;
    }

    // Parses, authorises and runs one command. Throws Error on every failure.
    boost::json::value run(const Caller &caller, std::string_view name, std::string_view arguments) const {
        auto it = commands_.find(std::string(name));
        if (it == commands_.end()) throw unsupported("unknown command '" + printable(name, 128) + "'");
        caller.require(it->second.access);
        boost::json::value parsed = parse_arguments(arguments);
        Args args(parsed.get_object());
        return it->second.handler(caller, args);
    }

private:
    std::map<std::string, Command> commands_;
};

// ---- Interfaces a module may implement (C++ side of plinth/ext/*.h) ----

struct Subject {
    int64_t user_id = 0;
    std::vector<std::string> emails;

    static Subject from(const plinth_subject *s) {
        Subject subject;
        if (s == nullptr) throw invalid_argument("no subject given");
        plinth_subject local{};
        std::memcpy(&local, s, std::min<size_t>(s->struct_size, sizeof local));
        subject.user_id = local.user_id;
        for (size_t i = 0; i < local.email_count; ++i) subject.emails.emplace_back(to_view(local.emails[i]));
        return subject;
    }
};

class ExportSink {
public:
    explicit ExportSink(const plinth_export_sink *sink) : sink_(sink) {}
    void item(std::string_view category, const boost::json::object &object) const {
        std::string text = boost::json::serialize(object);
        if (sink_->item(sink_->context, to_str(category), to_str(text)) != 0)
            throw Error(PLINTH_E_SINK, "export sink refused an item");
    }
    void file(std::string_view category, std::string_view name, std::string_view media_type,
              const uint8_t *bytes, size_t size) const {
        if (sink_->file == nullptr) return;
        if (sink_->file(sink_->context, to_str(category), to_str(name), to_str(media_type), bytes, size) != 0)
            throw Error(PLINTH_E_SINK, "export sink refused a file");
    }

private:
    const plinth_export_sink *sink_;
};

struct ErasureOutcome {
    std::string category;
    std::string item;
    plinth_erasure_outcome outcome = PLINTH_ERASURE_REMOVED;
    std::string legal_basis;
    int64_t retained_until = 0;
};

class ErasureSink {
public:
    explicit ErasureSink(const plinth_erasure_sink *sink) : sink_(sink) {}
    void report(const ErasureOutcome &o) const {
        plinth_erasure_item item{sizeof(plinth_erasure_item), to_str(o.category), to_str(o.item),
                                 o.outcome, to_str(o.legal_basis), o.retained_until};
        if (sink_->item(sink_->context, &item) != 0) throw Error(PLINTH_E_SINK, "erasure sink refused an item");
    }

private:
    const plinth_erasure_sink *sink_;
};

class PersonalData {
public:
    virtual ~PersonalData() = default;
    virtual void export_subject(const Subject &subject, const ExportSink &out) = 0;
    virtual void erase_subject(const Subject &subject, bool dry_run, const ErasureSink &out) = 0;
};

struct DataCategory {
    std::string name, fields, purpose, legal_basis, retention;
    int64_t retention_days = 0;
    std::string recipients;
};

class DataInventory {
public:
    virtual ~DataInventory() = default;
    virtual std::vector<DataCategory> data_categories() const = 0;
};

struct RetentionCount {
    std::string category, action;
    int64_t count = 0;
};

class Retention {
public:
    virtual ~Retention() = default;
    virtual std::vector<RetentionCount> sweep(int64_t now_us) = 0;
};

class Schema {
public:
    virtual ~Schema() = default;
    // Applies pending migrations; returns {"applied":[...],"current":...}.
    virtual boost::json::object migrate() = 0;
};

// Base of every C++ module. The SDK owns the plinth_module struct that wraps it.
class Module {
public:
    explicit Module(const Host &host) : host_(host) {}
    virtual ~Module() = default;
    Module(const Module &) = delete;
    Module &operator=(const Module &) = delete;

    const Host &host() const { return host_; }
    Commands &commands() { return commands_; }
    const Commands &commands() const { return commands_; }

    // An interface beyond the standard ones (a typed fast path): its id and its static table.
    struct Offer {
        const char *id;    // NUL-terminated, static (a PLINTH_EXT_* constant)
        const void *table; // static, lives as long as the library
    };
    // The extra interfaces this module offers, asked once, right after construction.
    virtual std::vector<Offer> extra_interfaces() const { return {}; }

private:
    Host host_;
    Commands commands_;
};

namespace detail {

struct Instance {
    plinth_module abi{};
    std::unique_ptr<Module> module;
    std::vector<Module::Offer> offers;  // every interface offered, fixed after create
    std::vector<const char *> ids;      // their ids, NULL-terminated: abi.interface_ids
};

} // namespace detail

// The C++ object behind a plinth_module created by this SDK.
template <class T>
T &self(const plinth_module *m) {
    return static_cast<T &>(*static_cast<detail::Instance *>(m->module_data)->module);
}

namespace detail {

inline int32_t write_json(const plinth_sink *out, const boost::json::value &v) {
    if (out == nullptr) return PLINTH_OK;
    std::string text = boost::json::serialize(v);
    if (out->write(out->context, text.data(), text.size()) != 0)
        throw Error(PLINTH_E_SINK, "output sink refused the result");
    return PLINTH_OK;
}

template <class I>
I &as(const plinth_module *m) {
    auto *i = dynamic_cast<I *>(static_cast<Instance *>(m->module_data)->module.get());
    if (i == nullptr) throw Error(PLINTH_E_INTERNAL, "interface not implemented");
    return *i;
}

inline const plinth_command_v1 kCommand = {
    sizeof(plinth_command_v1),
    [](const plinth_module *m, const plinth_sink *out, plinth_error *error) -> int32_t {
        return guard(error, [&] { write_json(out, self<Module>(m).commands().describe()); });
    },
    [](const plinth_module *m, const plinth_call_context *caller, plinth_str name, plinth_str arguments,
       const plinth_sink *out, plinth_error *error) -> int32_t {
        return guard(error, [&] {
            boost::json::value result =
                self<Module>(m).commands().run(Caller::from(caller), to_view(name), to_view(arguments));
            write_json(out, result);
        });
    }};

inline const plinth_personal_data_v1 kPersonalData = {
    sizeof(plinth_personal_data_v1),
    [](const plinth_module *m, const plinth_subject *subject, const plinth_export_sink *out,
       plinth_error *error) -> int32_t {
        return guard(error, [&] { as<PersonalData>(m).export_subject(Subject::from(subject), ExportSink(out)); });
    },
    [](const plinth_module *m, const plinth_subject *subject, int32_t dry_run, const plinth_erasure_sink *out,
       plinth_error *error) -> int32_t {
        return guard(error, [&] {
            as<PersonalData>(m).erase_subject(Subject::from(subject), dry_run != 0, ErasureSink(out));
        });
    }};

inline const plinth_data_inventory_v1 kDataInventory = {
    sizeof(plinth_data_inventory_v1),
    [](const plinth_module *m, const plinth_inventory_sink *out, plinth_error *error) -> int32_t {
        return guard(error, [&] {
            for (const DataCategory &c : as<DataInventory>(m).data_categories()) {
                plinth_data_category d{sizeof d,          to_str(c.name),      to_str(c.fields),
                                       to_str(c.purpose), to_str(c.legal_basis), to_str(c.retention),
                                       c.retention_days,  to_str(c.recipients)};
                if (out->category(out->context, &d) != 0) throw Error(PLINTH_E_SINK, "inventory sink refused");
            }
        });
    }};

inline const plinth_retention_v1 kRetention = {
    sizeof(plinth_retention_v1),
    [](const plinth_module *m, int64_t now_us, const plinth_retention_sink *out, plinth_error *error) -> int32_t {
        return guard(error, [&] {
            for (const RetentionCount &c : as<Retention>(m).sweep(now_us)) {
                plinth_retention_count r{sizeof r, to_str(c.category), to_str(c.action), c.count};
                if (out != nullptr && out->count(out->context, &r) != 0)
                    throw Error(PLINTH_E_SINK, "retention sink refused");
            }
        });
    }};

inline const plinth_schema_v1 kSchema = {
    sizeof(plinth_schema_v1),
    [](const plinth_module *m, const plinth_sink *out, plinth_error *error) -> int32_t {
        return guard(error, [&] { write_json(out, as<Schema>(m).migrate()); });
    }};

inline const void *get_interface(const plinth_module *m, const char *id) noexcept {
    if (m == nullptr || id == nullptr) return nullptr;
    for (const Module::Offer &offer : static_cast<const Instance *>(m->module_data)->offers)
        if (std::strcmp(offer.id, id) == 0) return offer.table;
    return nullptr;
}

// The standard interfaces the module implements, then its extra ones.
inline std::vector<Module::Offer> offers_of(const Module &module) {
    std::vector<Module::Offer> offers;
    if (!module.commands().empty()) offers.push_back({PLINTH_EXT_COMMAND, &kCommand});
    if (dynamic_cast<const PersonalData *>(&module)) offers.push_back({PLINTH_EXT_PERSONAL_DATA, &kPersonalData});
    if (dynamic_cast<const DataInventory *>(&module)) offers.push_back({PLINTH_EXT_DATA_INVENTORY, &kDataInventory});
    if (dynamic_cast<const Retention *>(&module)) offers.push_back({PLINTH_EXT_RETENTION, &kRetention});
    if (dynamic_cast<const Schema *>(&module)) offers.push_back({PLINTH_EXT_SCHEMA, &kSchema});
    for (const Module::Offer &extra : module.extra_interfaces()) {
        if (extra.id == nullptr || extra.table == nullptr) throw Error(PLINTH_E_INTERNAL, "an extra interface without id or table");
        offers.push_back(extra);
    }
    return offers;
}

inline void destroy(plinth_module *m) noexcept { delete static_cast<Instance *>(m->module_data); }

template <class T>
int32_t create(const plinth_host *host, plinth_module **out, plinth_error *error) noexcept {
    if (out == nullptr) return fill_error(error, PLINTH_E_INVALID_ARGUMENT, "no output pointer");
    *out = nullptr;
    return guard(error, [&] {
        if (host == nullptr) throw invalid_argument("no host given");
        auto instance = std::make_unique<Instance>();
        instance->module = std::make_unique<T>(Host(host));
        instance->offers = offers_of(*instance->module);
        for (const Module::Offer &offer : instance->offers) instance->ids.push_back(offer.id);
        instance->ids.push_back(nullptr);
        instance->abi.struct_size = sizeof(plinth_module);
        instance->abi.module_data = instance.get();
        instance->abi.get_interface = &get_interface;
        instance->abi.destroy = &destroy;
        instance->abi.interface_ids = instance->ids.data();
        *out = &instance.release()->abi;
    });
}

} // namespace detail
} // namespace plinth::sdk

#define PLINTH_DETAIL_EXPORT extern "C" __attribute__((visibility("default")))

// Declares the module's entry point. DEPENDENCIES is a braced list of plinth_dependency
// initialisers, e.g. PLINTH_MODULE_WITH_DEPENDENCIES(..., {{sizeof(plinth_dependency), "accounts", 1}}).
#define PLINTH_MODULE_WITH_DEPENDENCIES(CLASS, ID, VERSION, DESCRIPTION, ...)                       \
    namespace {                                                                                     \
    const plinth_dependency plinth_module_dependencies[] = __VA_ARGS__;                             \
    }                                                                                               \
    PLINTH_DETAIL_EXPORT const plinth_module_entry *plinth_entry(void) {                     \
        static const plinth_module_entry entry = {                                                  \
            sizeof(plinth_module_entry), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, PLINTH_MAGIC_INIT, ID,  \
            VERSION, DESCRIPTION, plinth_module_dependencies,                                       \
            static_cast<uint32_t>(sizeof plinth_module_dependencies / sizeof plinth_module_dependencies[0]), \
            &::plinth::sdk::detail::create<CLASS>};                                                 \
        return &entry;                                                                              \
    }

#define PLINTH_MODULE(CLASS, ID, VERSION, DESCRIPTION)                                               \
    PLINTH_DETAIL_EXPORT const plinth_module_entry *plinth_entry(void) {                     \
        static const plinth_module_entry entry = {                                                  \
            sizeof(plinth_module_entry), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, PLINTH_MAGIC_INIT, ID,  \
            VERSION, DESCRIPTION, nullptr, 0, &::plinth::sdk::detail::create<CLASS>};               \
        return &entry;                                                                              \
    }
