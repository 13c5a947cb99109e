#include "host_impl.hpp"

#include <chrono>
#include <cstring>
#include <map>
#include <set>

namespace plinth::host {

namespace {

// Entry text (version, description) as valid UTF-8 of bounded length; empty when absent.
std::string entry_text(const char *text, size_t max_bytes) {
    if (text == nullptr) return {};
    return sdk::repair_utf8(std::string_view(text, sdk::bounded(text, max_bytes)), max_bytes);
}

std::string version_text(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// Bounds for text read from a module's entry: C strings the module promises to terminate, read
// with strnlen so a missing NUL costs at most this much.
constexpr size_t kMaxVersionBytes = 64;
constexpr size_t kMaxDescriptionBytes = 1024;
// Bounds for the interface ids a module lists (plinth_module.interface_ids, ABI 1.2).
constexpr size_t kMaxInterfaceIdBytes = 128;
constexpr size_t kMaxInterfaceIds = 256;

// An interface id as a module lists it: printable ASCII without spaces, bounded; else empty.
std::string listed_interface_id(const char *id) {
    if (id == nullptr) return {};
    size_t n = sdk::bounded(id, kMaxInterfaceIdBytes + 1);
    if (n == 0 || n > kMaxInterfaceIdBytes) return {};
    for (size_t i = 0; i < n; ++i)
        if (id[i] <= ' ' || id[i] > '~') return {};
    return std::string(id, n);
}

bool valid_module_id(const char *id) {
    if (id == nullptr) return false;
    size_t n = sdk::bounded(id, kMaxIdBytes + 1);
    if (n == 0 || n > kMaxIdBytes) return false;
    for (size_t i = 0; i < n; ++i) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return true;
}

} // namespace

int64_t system_now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

boost::json::object ModuleInfo::to_json() const {
    boost::json::array deps, ifaces;
    for (const auto &d : requires_modules) deps.emplace_back(d);
    for (const auto &i : interfaces) ifaces.emplace_back(i);
    // Paths and refusals may carry bytes from file names and loader messages: JSON needs UTF-8.
    boost::json::object o{{"path", sdk::repair_utf8(path.string())},
                          {"id", id},
                          {"version", version},
                          {"description", description},
                          {"abi", version_text(abi_major, abi_minor)},
                          {"requires", std::move(deps)},
                          {"interfaces", std::move(ifaces)},
                          {"loaded", loaded}};
    if (!loaded) o["refusal"] = sdk::repair_utf8(refusal);
    if (skipped) o["skipped"] = true;
    return o;
}

// Copies the instance's interface_ids (ABI 1.2), bounded and checked: module text is untrusted.
void Host::Impl::record_interface_ids(Loaded &l) {
    const plinth_module &m = *l.instance;
    if (m.struct_size < offsetof(plinth_module, interface_ids) + sizeof(m.interface_ids) || !m.interface_ids) return;
    l.lists_interfaces = true;
    for (size_t i = 0; i < kMaxInterfaceIds && m.interface_ids[i] != nullptr; ++i) {
        std::string id = listed_interface_id(m.interface_ids[i]);
        if (!id.empty() && std::find(l.interface_ids.begin(), l.interface_ids.end(), id) == l.interface_ids.end())
            l.interface_ids.push_back(std::move(id));
    }
}

// Opens one library and validates everything that can be validated without running module code
// beyond its entry function. Returns the candidate; info.refusal is set when it must not load.
std::unique_ptr<Loaded> Host::Impl::open(const std::filesystem::path &path) {
    auto l = std::make_unique<Loaded>();
    l->impl = this;
    l->info.path = path;
    try {
        l->library.load(path.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception &e) {
        l->info.refusal = std::string("cannot load library: ") + e.what();
        return l;
    }
    if (!l->library.has(PLINTH_ENTRY_SYMBOL)) {
        l->info.refusal = "no entry symbol '" PLINTH_ENTRY_SYMBOL "' (not a Plinth module)";
        return l;
    }
    auto entry_fn = l->library.get<const plinth_module_entry *()>(PLINTH_ENTRY_SYMBOL);
    const plinth_module_entry *entry = entry_fn();
    if (entry == nullptr) {
        l->info.refusal = "entry function returned no entry";
        return l;
    }
    constexpr size_t kV1Size = offsetof(plinth_module_entry, create) + sizeof(entry->create);
    if (entry->struct_size < offsetof(plinth_module_entry, magic) + sizeof(plinth_magic)) {
        l->info.refusal = "entry struct too small (" + std::to_string(entry->struct_size) + " bytes)";
        return l;
    }
    // The magic block is compared before anything else in the entry is trusted.
    if (entry->magic.constant != PLINTH_MAGIC_CONSTANT) {
        l->info.refusal = "bad magic: not a Plinth module";
        return l;
    }
    if (entry->magic.pointer_size != sizeof(void *)) {
        l->info.refusal = "built for " + std::to_string(entry->magic.pointer_size * 8) + "-bit pointers, host is " +
                          std::to_string(sizeof(void *) * 8) + "-bit";
        return l;
    }
    l->info.abi_major = entry->abi_major;
    l->info.abi_minor = entry->abi_minor;
    std::string theirs = version_text(entry->abi_major, entry->abi_minor);
    std::string ours = version_text(PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR);
    if (entry->magic.abi_major != entry->abi_major || entry->abi_major != PLINTH_ABI_MAJOR) {
        l->info.refusal = "module ABI " + theirs + " has a different major version than host ABI " + ours;
        return l;
    }
    // A newer minor of the same major loads (CLAP's rule): it may only have appended, so the
    // services and interfaces this host lacks come back NULL to it and the fields it appended are
    // not read here (every struct is copied as min(struct_size, sizeof)). The module checks
    // plinth_host.abi_minor or the NULLs before relying on anything newer.
    if (entry->struct_size < kV1Size) {
        l->info.refusal = "entry struct too small for ABI " + theirs;
        return l;
    }
    std::memcpy(&l->entry_copy, entry, std::min<size_t>(entry->struct_size, sizeof l->entry_copy));
    l->entry = entry;
    const plinth_module_entry &e = l->entry_copy;
    if (!valid_module_id(e.module_id)) {
        l->info.refusal = "invalid module id (expected [a-z0-9_-]{1,64})";
        return l;
    }
    l->info.id = e.module_id;
    l->info.version = entry_text(e.module_version, kMaxVersionBytes);
    l->info.description = entry_text(e.description, kMaxDescriptionBytes);
    // Step through the array with the module's own element size (rule 4): a module built
    // against a later minor may have appended fields to plinth_dependency.
    const size_t stride = e.dependency_count && e.dependencies ? e.dependencies[0].struct_size : 0;
    if (e.dependency_count && stride < offsetof(plinth_dependency, optional) + sizeof(int32_t)) {
        l->info.refusal = "dependency entries too small";
        return l;
    }
    const auto *bytes = reinterpret_cast<const unsigned char *>(e.dependencies);
    for (uint32_t i = 0; i < e.dependency_count && e.dependencies; ++i) {
        plinth_dependency d{};
        std::memcpy(&d, bytes + i * stride, std::min(stride, sizeof d));
        if (!valid_module_id(d.module_id)) {
            l->info.refusal = "invalid dependency id";
            return l;
        }
        l->info.requires_modules.push_back(std::string(d.module_id) + (d.optional ? "?" : ""));
    }
    if (e.create == nullptr) l->info.refusal = "entry has no create function";
    return l;
}

// Orders candidates so every module comes after what it depends on, then creates them.
// A module whose required dependency is missing, refused or failed is refused too, naming it.
void Host::Impl::create_in_order(std::vector<std::unique_ptr<Loaded>> candidates) {
    std::map<std::string, Loaded *> by_id;
    for (auto &c : candidates) by_id[c->info.id] = c.get();

    std::set<std::string> visiting, done;
    std::vector<Loaded *> order;
    std::function<void(Loaded *)> visit = [&](Loaded *l) {
        if (done.count(l->info.id)) return;
        if (visiting.count(l->info.id)) {
            l->info.refusal = "dependency cycle through '" + l->info.id + "'";
            return;
        }
        visiting.insert(l->info.id);
        for (const auto &dep_text : l->info.requires_modules) {
            bool optional = !dep_text.empty() && dep_text.back() == '?';
            std::string dep = optional ? dep_text.substr(0, dep_text.size() - 1) : dep_text;
            auto it = by_id.find(dep);
            if (it == by_id.end()) {
                if (!optional && l->info.refusal.empty())
                    l->info.refusal = "requires module '" + dep + "', which is not available";
                continue;
            }
            visit(it->second);
        }
        visiting.erase(l->info.id);
        done.insert(l->info.id);
        order.push_back(l);
    };
    for (auto &c : candidates) visit(c.get());

    for (Loaded *l : order) {
        if (l->info.refusal.empty()) {
            for (const auto &dep_text : l->info.requires_modules) {
                if (dep_text.back() == '?') continue;
                if (!find_live(dep_text)) {
                    l->info.refusal = "requires module '" + dep_text + "', which was refused";
                    break;
                }
            }
        }
        if (l->info.refusal.empty()) {
            l->abi_host = plinth_host{sizeof(plinth_host), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, l, &Impl::get_service};
            plinth_error error = sdk::make_error();
            plinth_module *instance = nullptr;
            int32_t rc = l->entry_copy.create(&l->abi_host, &instance, &error);
            if (rc != PLINTH_OK || instance == nullptr) {
                l->info.refusal = std::string("create failed (") + sdk::status_name(rc) + "): " + sdk::message_of(error, rc);
            } else {
                l->instance = instance;
                record_interface_ids(*l);
                if (options.auto_migrate) {
                    sdk::Interface<plinth_schema_v1> schema = sdk::Interface<plinth_schema_v1>::of(instance);
                    if (schema.problem() != nullptr) {
                        l->info.refusal = std::string("unusable plinth.schema/1: ") + schema.problem();
                        instance->destroy(instance); // never half-loaded
                        l->instance = nullptr;
                    } else if (schema) {
                        plinth_error merr = sdk::make_error();
                        int32_t mrc = schema->migrate(instance, nullptr, &merr);
                        if (mrc != PLINTH_OK) {
                            l->info.refusal =
                                std::string("migration failed (") + sdk::status_name(mrc) + "): " + sdk::message_of(merr, mrc);
                            instance->destroy(instance); // never half-loaded
                            l->instance = nullptr;
                        }
                    }
                }
            }
        }
        if (!l->info.refusal.empty()) {
            refuse(*l, l->info.refusal);
            continue;
        }
        l->info.loaded = true;
        // Live from now on: later modules find it as a dependency and through the registry.
        for (auto &c : candidates)
            if (c.get() == l) live.push_back(std::move(c));
    }
    // Listed once every module is live: a module that lists nothing is asked for the ids the
    // others list (offered_by).
    for (const auto &l : live) {
        l->info.interfaces.clear();
        for (const auto &offered : offered_by(*l)) l->info.interfaces.push_back(*offered.first);
    }
    for (const auto &c : candidates)
        if (c) record_info(*c);
    for (const auto &l : live) record_info(*l);
    // Candidates not moved into `live` are released here: their libraries unload, nothing ran.
}

Host::Host(HostOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->connections =
        std::make_shared<storage::LocalConnectionBudget>(storage::connection_budget_limit(impl_->options.config));
    const boost::json::value *database = impl_->options.config.if_contains("database");
    impl_->database = std::make_unique<storage::DbService>(
        database != nullptr && database->is_object() ? &database->get_object() : nullptr, impl_->connections);
}

Host::~Host() {
    // Reverse initialisation order: a module is destroyed before anything it depends on.
    for (auto it = impl_->live.rbegin(); it != impl_->live.rend(); ++it) {
        if ((*it)->instance) (*it)->instance->destroy((*it)->instance);
        (*it)->instance = nullptr;
    }
    while (!impl_->live.empty()) impl_->live.pop_back();
}

void Host::load() {
    std::vector<std::filesystem::path> files;
    for (const auto &p : impl_->options.module_paths) {
        std::error_code ec;
        if (std::filesystem::is_directory(p, ec)) {
            for (const auto &e : std::filesystem::directory_iterator(p, ec))
                if (e.path().extension() == ".so") files.push_back(e.path());
        } else if (std::filesystem::exists(p, ec)) {
            files.push_back(p);
        } else {
            ModuleInfo missing;
            missing.path = p;
            missing.refusal = "file not found";
            impl_->infos.push_back(missing);
        }
    }
    std::sort(files.begin(), files.end());

    std::vector<std::unique_ptr<Loaded>> candidates;
    std::set<std::string> seen;
    const auto &only = impl_->options.only_modules;
    for (const auto &file : files) {
        auto l = impl_->open(file);
        if (l->info.refusal.empty() && !only.empty() && std::find(only.begin(), only.end(), l->info.id) == only.end()) {
            l->info.refusal = "not selected by the configuration";
            l->info.skipped = true;
        }
        if (l->info.refusal.empty() && !seen.insert(l->info.id).second)
            l->info.refusal = "another module with id '" + l->info.id + "' is already loaded";
        impl_->infos.push_back(l->info);
        if (!l->info.refusal.empty()) {
            if (!l->info.skipped) impl_->refuse(*l, l->info.refusal);
            continue;
        }
        candidates.push_back(std::move(l));
    }
    impl_->create_in_order(std::move(candidates));
}

const std::vector<ModuleInfo> &Host::modules() const { return impl_->infos; }

const plinth_module *Host::module(std::string_view id) const {
    Loaded *l = impl_->find_live(id);
    return l ? l->instance : nullptr;
}

const void *Host::interface(std::string_view id, const char *interface_id) const {
    const plinth_module *m = module(id);
    return m ? m->get_interface(m, interface_id) : nullptr;
}

boost::json::value Host::call(std::string_view module_id, std::string_view command, std::string_view arguments,
                              const plinth_call_context &caller) const {
    const plinth_module *m = module(module_id);
    const std::string shown = sdk::printable(module_id, kMaxIdBytes);
    if (m == nullptr) {
        // A module that was found but refused (its database unreachable, a failed migration)
        // is unavailable for that reason, not absent.
        for (const auto &info : impl_->infos)
            if (!info.id.empty() && info.id == module_id && !info.skipped)
                throw sdk::unavailable("module '" + shown + "' is not available: " + info.refusal);
        throw sdk::not_found("no loaded module '" + shown + "'");
    }
    auto cmd = sdk::Interface<plinth_command_v1>::of(m);
    if (cmd.problem() != nullptr) throw sdk::unavailable("module '" + shown + "' offers unusable commands: " + cmd.problem());
    if (!cmd) throw sdk::unsupported("module '" + shown + "' offers no commands");
    sdk::StringSink out;
    plinth_error error = sdk::make_error();
    int32_t rc = cmd->execute(m, &caller, sdk::to_str(command), sdk::to_str(arguments), &out.sink, &error);
    sdk::throw_if_failed(rc, error);
    boost::system::error_code ec;
    boost::json::value result = boost::json::parse(out.text, ec);
    if (ec) throw sdk::Error(PLINTH_E_INTERNAL, "module '" + shown + "' returned invalid JSON");
    return result;
}

boost::json::array Host::migrate() {
    boost::json::array reports;
    for (const auto &l : impl_->live) {
        auto schema = sdk::Interface<plinth_schema_v1>::of(l->instance);
        if (!schema) continue; // an unusable one was refused at load
        sdk::StringSink out;
        plinth_error error = sdk::make_error();
        sdk::throw_if_failed(schema->migrate(l->instance, &out.sink, &error), error);
        boost::system::error_code ec;
        boost::json::value report = boost::json::parse(out.text, ec);
        if (ec) throw sdk::Error(PLINTH_E_INTERNAL, "module '" + l->info.id + "' returned an invalid migration report");
        reports.push_back(std::move(report));
    }
    return reports;
}

void Host::set_notifier(std::function<void(const Notification &)> deliver) { impl_->notifier = std::move(deliver); }
void Host::set_clock(std::function<int64_t()> now_us) { impl_->clock = std::move(now_us); }
int64_t Host::now_us() const { return impl_->clock ? impl_->clock() : system_now_us(); }
const HostOptions &Host::options() const { return impl_->options; }
std::optional<bool> Host::probe_database(std::string &problem) const {
    const boost::json::value *database = impl_->options.config.if_contains("database");
    if (database == nullptr) return std::nullopt;
    try {
        impl_->database->pool().run([](storage::Connection &c) { c.query("SELECT 1"); });
        return true;
    } catch (const std::exception &e) {
        problem = e.what();
        return false;
    }
}

Host::ConnectionUse Host::connection_use() const {
    if (!impl_->connections) return {};
    return {impl_->connections->in_use(), impl_->connections->limit(), impl_->connections->waiting()};
}

namespace {
plinth_call_context make_caller(int32_t principal, int64_t user_id, int32_t role) {
    plinth_call_context c{}; // the request fields (ABI 1.1) stay empty outside a request
    c.struct_size = sizeof c;
    c.principal = principal;
    c.user_id = user_id;
    c.role = role;
    return c;
}
} // namespace

plinth_call_context system_caller() { return make_caller(PLINTH_PRINCIPAL_SYSTEM, 0, PLINTH_ROLE_ADMIN); }
plinth_call_context user_caller(int64_t user_id, int32_t role) {
    return make_caller(PLINTH_PRINCIPAL_USER, user_id, role);
}
plinth_call_context anonymous_caller() { return make_caller(PLINTH_PRINCIPAL_ANONYMOUS, 0, PLINTH_ROLE_CUSTOMER); }

} // namespace plinth::host
