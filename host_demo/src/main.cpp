// plinth-host — loads Plinth modules and drives them from the command line.
#include <plinth/host/host.hpp>
#include <plinth/sdk/args.hpp>
#include <plinth/sdk/host.hpp>
#include <plinth/sdk/display.hpp>

#include "../demo/demo.hpp"
#include "http/serve.hpp"
#include "settings.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace plinth;

namespace {

// Exit codes: 0 success, 1 the command failed (a JSON error was printed), 2 usage.
constexpr int kFailed = 1;

void print_error(int32_t status, std::string_view message) {
    // Messages may carry module text or database errors: JSON output must stay valid UTF-8.
    boost::json::object e{{"error", {{"code", sdk::status_name(status)}, {"message", sdk::repair_utf8(message)}}}};
    std::cout << boost::json::serialize(e) << std::endl;
}

fs::path default_module_dir() {
    // Modules sit in <build>/modules next to <build>/host_demo/plinth-host.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path beside = exe.parent_path().parent_path() / "modules";
        if (fs::is_directory(beside)) return beside;
    }
    return PLINTH_DEFAULT_MODULE_DIR;
}

// The CLI's stand-in for mail (plinth.notify/1): what a module sends a person goes to stderr,
// where the operator passes it on. Control characters are shown as '?', so a message cannot
// drive the terminal.
void print_notification(const host::Notification &n) {
    auto clean = [](std::string s) {
        for (char &c : s)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) c = '?';
        return s;
    };
    std::cerr << "--- message for " << clean(n.recipient) << " (from " << n.module << ", " << clean(n.topic)
              << ")\nSubject: " << clean(n.subject) << "\n\n" << clean(n.body) << "\n---" << std::endl;
}

struct Cli {
    std::optional<fs::path> config_file;
    host::Settings settings;

    void load_settings() { settings = host::load_settings(config_file, default_module_dir()); }

    std::unique_ptr<host::Host> make_host(bool with_database, std::optional<std::string> database = {}) {
        host::HostOptions o;
        o.config = settings.config;
        if (database) o.config["database"].as_object()["database"] = *database;
        o.module_paths = settings.module_paths;
        o.only_modules = settings.only_modules;
        o.state_dir = settings.home;
        o.log_level = settings.log_level;
        o.auto_migrate = with_database;
        if (with_database) host::ensure_sandbox(settings);
        auto h = std::make_unique<host::Host>(std::move(o));
        h->set_notifier(print_notification);
        h->load();
        return h;
    }
};

std::string read_arguments(const std::string &arg) {
    if (arg.empty()) return "{}";
    if (arg == "-") {
        // Read in chunks and stop past the limit: an endless stdin is refused, not buffered.
        std::string text;
        char chunk[1 << 16];
        while (std::cin.read(chunk, sizeof chunk) || std::cin.gcount() > 0) {
            text.append(chunk, static_cast<size_t>(std::cin.gcount()));
            if (text.size() > sdk::kMaxArgumentsBytes)
                throw sdk::limit_exceeded("arguments are too large (more than " +
                                          std::to_string(sdk::kMaxArgumentsBytes) + " bytes on stdin)");
        }
        return text;
    }
    if (arg[0] == '@') {
        // Read straight into one string of the file's size: a large document is held once.
        std::ifstream in(arg.substr(1), std::ios::binary | std::ios::ate);
        if (!in) throw sdk::invalid_argument("cannot read arguments file " + sdk::printable(arg.substr(1), 256));
        auto size = static_cast<size_t>(in.tellg());
        if (size > sdk::kMaxArgumentsBytes)
            throw sdk::limit_exceeded("arguments are too large (" + std::to_string(size) + " bytes, at most " +
                                      std::to_string(sdk::kMaxArgumentsBytes) + ")");
        std::string text(size, '\0');
        in.seekg(0);
        in.read(text.data(), static_cast<std::streamsize>(size));
        return text;
    }
    return arg;
}

plinth_call_context caller_for(const host::Host &h, std::optional<int64_t> as_user, const std::string &role,
                               const std::string &token) {
    if (!token.empty()) {
        // Resolve the token through whichever module offers the session-check fast path.
        for (const auto &info : h.modules()) {
            if (!info.loaded) continue;
            auto *check = h.interface_as<plinth_session_check_v1>(info.id, PLINTH_EXT_SESSION_CHECK);
            if (check == nullptr) continue;
            plinth_session_info s{};
            s.struct_size = sizeof s;
            plinth_error error = sdk::make_error();
            sdk::throw_if_failed(check->check(h.module(info.id), sdk::to_str(token), &s, &error), error);
            return host::user_caller(s.user_id, s.role);
        }
        throw sdk::unavailable("no loaded module checks session tokens");
    }
    if (as_user) {
        int32_t r = role == "admin" ? PLINTH_ROLE_ADMIN : role == "staff" ? PLINTH_ROLE_STAFF : PLINTH_ROLE_CUSTOMER;
        return host::user_caller(*as_user, r);
    }
    return host::system_caller(); // the operator at the console
}

int run_demo(Cli &cli) {
    const std::string database = "plinth_demo";
    // The demo drops and recreates its database: never on a server someone configured.
    if (!cli.settings.use_sandbox && std::getenv("PLINTH_DEMO_ON_CONFIGURED_DATABASE") == nullptr) {
        print_error(PLINTH_E_UNSUPPORTED, "the demo recreates database 'plinth_demo' and runs only on the private "
                                          "sandbox; set PLINTH_DEMO_ON_CONFIGURED_DATABASE=1 to run it on the "
                                          "configured server anyway");
        return kFailed;
    }
    host::ensure_sandbox(cli.settings);
    host::recreate_database(cli.settings, database);
    auto h = cli.make_host(true, database);
    demo::DemoContext demo{*h, std::cout};
    std::cout << "Plinth demo — database '" << database << "' (recreated), state folder "
              << cli.settings.home.string() << "\n";
    demo.step("Modules");
    for (const auto &m : h->modules())
        std::cout << "  " << (m.loaded ? "loaded " : "REFUSED") << "  "
                  << sdk::printable(m.id.empty() ? m.path.filename().string() : m.id) << " " << sdk::printable(m.version)
                  << (m.loaded ? "" : "  (" + sdk::printable(m.refusal) + ")") << "\n";
    struct Part { const char *module; void (*run)(demo::DemoContext &); };
    const Part parts[] = {
#ifdef PLINTH_DEMO_ACCOUNTS
        {"accounts", demo::accounts_demo},
#endif
#ifdef PLINTH_DEMO_LICENSES
        {"licenses", demo::licenses_demo},
#endif
#ifdef PLINTH_DEMO_TICKETS
        {"tickets", demo::tickets_demo},
#endif
#ifdef PLINTH_DEMO_PROMPTS
        {"prompts", demo::prompts_demo},
#endif
#ifdef PLINTH_DEMO_PRIVACY
        {"privacy", demo::privacy_demo},
#endif
        {nullptr, nullptr}};
    int failures = 0;
    for (const Part &p : parts) {
        if (p.module == nullptr || h->module(p.module) == nullptr) continue;
        try {
            p.run(demo);
        } catch (const std::exception &e) {
            ++failures;
            std::cout << "demo step for " << p.module << " failed: " << e.what() << "\n";
        }
    }
    if (h->module("example_c")) {
        demo.step("A module written in plain C99");
        demo.call("example_c", "hello", boost::json::object{}, host::system_caller());
    }
    std::cout << "\nDemo finished" << (failures ? " with failures" : "") << ".\n";
    return failures ? kFailed : 0;
}

} // namespace

int main(int argc, char **argv) {
    CLI::App app{"plinth-host — loads Plinth modules and runs their commands"};
    app.require_subcommand(1);
    Cli cli;
    std::string config_path;
    app.add_option("--config", config_path, "JSON configuration file (default: $PLINTH_HOME/plinth.json)");

    auto *modules = app.add_subcommand("modules", "List every module found, loaded or refused");
    bool modules_json = false;
    modules->add_flag("--json", modules_json, "Print JSON");

    auto *call = app.add_subcommand("call", "Run one JSON command of a module");
    std::string module, command, arguments;
    std::optional<int64_t> as_user;
    std::string role = "customer", token;
    call->add_option("module", module, "Module id")->required();
    call->add_option("command", command, "Command name")->required();
    call->add_option("arguments", arguments, "JSON object, @file, or - for stdin");
    call->add_option("--as", as_user, "Act as this user id (operator impersonation)");
    call->add_option("--role", role, "Role for --as")->check(CLI::IsMember({"customer", "staff", "admin"}));
    call->add_option("--token", token,
                     "Act as the owner of this session token (prefer $PLINTH_TOKEN: arguments are visible to other users)");

    auto *serve = app.add_subcommand("serve", "Serve the modules over HTTP/1.1 until SIGTERM (docs/http.md)");
    http::ServeOptions serve_options;
    serve->add_option("--listen", serve_options.listen, "ADDR:PORT to listen on, repeatable (default 127.0.0.1:8080)");
    serve->add_option("--threads", serve_options.threads, "I/O threads (default: the number of cores)");

    auto *migrate = app.add_subcommand("migrate", "Apply pending migrations of every module");
    auto *demo = app.add_subcommand("demo", "Walk through what the loaded modules do");

    auto *db = app.add_subcommand("db", "Control the private MariaDB sandbox");
    std::string db_action;
    db->add_option("action", db_action, "start, stop or status")->required()->check(CLI::IsMember({"start", "stop", "status"}));

    auto *privacy = app.add_subcommand("privacy", "GDPR tools (needs the privacy module)");
    privacy->require_subcommand(1);
    auto *p_inventory = privacy->add_subcommand("inventory", "Print the register of processing");
    std::string format = "md";
    p_inventory->add_option("--format", format)->check(CLI::IsMember({"md", "html", "json"}));
    auto *p_export = privacy->add_subcommand("export", "Export everything held about a person");
    std::string email, out_file;
    p_export->add_option("--email", email)->required();
    p_export->add_option("--out", out_file)->required();
    auto *p_erase = privacy->add_subcommand("erase", "Erase everything held about a person");
    bool dry_run = false;
    p_erase->add_option("--email", email)->required();
    p_erase->add_flag("--dry-run", dry_run);
    auto *p_sweep = privacy->add_subcommand("sweep", "Run the retention sweep of every module");

    CLI11_PARSE(app, argc, argv);
    if (!config_path.empty()) cli.config_file = config_path;

    try {
        cli.load_settings();
        if (*modules) {
            auto h = cli.make_host(false);
            if (modules_json) {
                boost::json::array list;
                for (const auto &m : h->modules()) list.push_back(m.to_json());
                std::cout << boost::json::serialize(list) << std::endl;
            } else {
                // Module text is shown escaped: a module cannot drive the operator's terminal.
                for (const auto &m : h->modules()) {
                    std::cout << (m.loaded ? "loaded   " : m.skipped ? "skipped  " : "refused  ")
                              << sdk::printable(m.id.empty() ? m.path.filename().string() : m.id) << " "
                              << sdk::printable(m.version) << "  ABI " << m.abi_major << "." << m.abi_minor << "\n";
                    if (m.loaded)
                        for (const auto &i : m.interfaces) std::cout << "           " << i << "\n";
                    else
                        std::cout << "           " << sdk::printable(m.refusal) << "\n";
                }
            }
            return 0;
        }
        if (*db) {
            if (!cli.settings.use_sandbox) {
                print_error(PLINTH_E_UNSUPPORTED, "a database is configured; the sandbox is not in use");
                return kFailed;
            }
            int rc = host::sandbox_command(cli.settings, db_action);
            if (rc == 0 && db_action == "start") host::ensure_sandbox(cli.settings);
            return rc == 0 ? 0 : kFailed;
        }
        if (*demo) return run_demo(cli);

        auto h = cli.make_host(true);
        if (*migrate) {
            boost::json::object report{{"migrations", h->migrate()}};
            boost::json::array refused;
            for (const auto &m : h->modules())
                if (!m.loaded && !m.skipped) refused.push_back(m.to_json());
            // A refused module's migrations did not run: the schema is not where the operator asked.
            const bool complete = refused.empty();
            report["refused"] = std::move(refused);
            std::cout << boost::json::serialize(report) << std::endl;
            return complete ? 0 : kFailed;
        }
        if (*serve) return http::serve(*h, cli.settings, serve_options);
        if (*call) {
            std::string args = read_arguments(arguments);
            const char *env_token = std::getenv("PLINTH_TOKEN");
            const bool has_env_token = env_token != nullptr && *env_token != '\0';
            // Two identities named at once: refuse rather than pick one silently.
            if (as_user && (!token.empty() || has_env_token))
                throw sdk::invalid_argument(std::string("--as and ") + (token.empty() ? "$PLINTH_TOKEN" : "--token") +
                                            " name two callers; unset PLINTH_TOKEN (or drop --token) to act as a "
                                            "user, or drop --as to act as the token's owner");
            if (token.empty() && has_env_token) token = env_token;
            plinth_call_context caller = caller_for(*h, as_user, role, token);
            std::cout << boost::json::serialize(h->call(module, command, args, caller)) << std::endl;
            return 0;
        }
        if (*privacy) {
            boost::json::object args;
            std::string cmd;
            if (*p_inventory) { cmd = "inventory"; args["format"] = format; }
            if (*p_export) { cmd = "export.run"; args["email"] = email; args["out"] = fs::absolute(out_file).string(); }
            if (*p_erase) { cmd = "erase.run"; args["email"] = email; args["dry_run"] = dry_run; }
            if (*p_sweep) cmd = "sweep";
            boost::json::value result = h->call("privacy", cmd, boost::json::serialize(args), host::system_caller());
            if (*p_inventory && result.is_object() && result.as_object().contains("document") && format != "json")
                std::cout << sdk::printable(std::string_view(result.at("document").as_string()), size_t(-1), true) << std::endl;
            else
                std::cout << demo::pretty(result) << std::endl;
            return 0;
        }
    } catch (const sdk::Error &e) {
        print_error(e.status(), e.what());
        return kFailed;
    } catch (const std::exception &e) {
        print_error(PLINTH_E_INTERNAL, e.what());
        return kFailed;
    }
    return 0;
}
