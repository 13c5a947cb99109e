// plinth/storage/db_service.hpp — plinth.db/1 (plinth/services/db.h) over the host's one Pool.
//
// The host owns one DbService per process (per plinth::host::Host): one Pool whose size is the
// process's connection budget, shared by every module instance and background task. The C table
// resolves the calling module from its plinth_host through the function the host supplies.
#pragma once

#include <plinth/sdk/thread_annotations.hpp>
#include <plinth/services/db.h>
#include <plinth/storage/database.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace plinth::storage {

class DbService {
public:
    // `database` is the host configuration's "database" member; the pool is opened on first use,
    // so a host whose modules never touch the database needs no server, and a bad configuration
    // is reported by every call (PLINTH_E_INVALID_ARGUMENT / PLINTH_E_UNAVAILABLE) instead of
    // stopping the host. `budget` bounds the pool (database.connection_budget).
    DbService(const boost::json::object *database, std::shared_ptr<ConnectionBudget> budget);
    ~DbService();
    DbService(const DbService &) = delete;
    DbService &operator=(const DbService &) = delete;

    // The pool, opened now if it was not. Throws sdk::Error when the configuration is missing or
    // invalid. [thread-safe]
    Pool &pool() PLINTH_EXCLUDES(mutex_);

    // The C entry points, each serving the DbService the caller resolves to. [thread-safe]
    int32_t run(plinth_db_work work, void *context, plinth_error *error, bool transactional) noexcept;
    int32_t migrate(std::string_view module_id, const plinth_db_migration *migrations, uint32_t count,
                    const plinth_sink *report, plinth_error *error) noexcept;

private:
    sdk::Mutex mutex_; // the pool is opened once, by the first caller
    boost::json::object database_ PLINTH_GUARDED_BY(mutex_);
    bool configured_ PLINTH_GUARDED_BY(mutex_) = false;
    std::shared_ptr<ConnectionBudget> budget_;
    std::unique_ptr<Pool> pool_ PLINTH_GUARDED_BY(mutex_);
};

// Who is calling: the host's DbService and the calling module's id (for its migrations).
struct DbCaller {
    DbService *service = nullptr;
    std::string_view module_id;
};

// The statement-level functions of the table (they need no caller). Filled into the table below.
void fill_statement_functions(plinth_db_v1 &table);

// The plinth.db/1 table a host offers, resolving each call's DbService with `Of(host)`.
template <DbCaller (*Of)(const plinth_host *)>
const plinth_db_v1 &db_service_table() {
    static const plinth_db_v1 table = [] {
        plinth_db_v1 t{};
        t.struct_size = sizeof t;
        fill_statement_functions(t);
        t.run = [](const plinth_host *h, plinth_db_work work, void *context, plinth_error *error) -> int32_t {
            return Of(h).service->run(work, context, error, false);
        };
        t.transaction = [](const plinth_host *h, plinth_db_work work, void *context, plinth_error *error) -> int32_t {
            return Of(h).service->run(work, context, error, true);
        };
        t.migrate = [](const plinth_host *h, const plinth_db_migration *migrations, uint32_t count,
                       const plinth_sink *report, plinth_error *error) -> int32_t {
            DbCaller caller = Of(h);
            return caller.service->migrate(caller.module_id, migrations, count, report, error);
        };
        return t;
    }();
    return table;
}

// A plinth_host that offers nothing but plinth.db/1, over a DbService of its own: for running a
// module's service classes without a module host (service tests, benchmarks). Migrations are
// recorded under `module_id`. [thread-safe]
class StandaloneDb {
public:
    StandaloneDb(const boost::json::object &database, std::string module_id, size_t connection_budget = 8);
    const plinth_host *host() const { return &host_; }
    DbService &service() { return service_; }

private:
    static const void *get_service(const plinth_host *host, const char *id);
    static DbCaller caller(const plinth_host *host);

    std::shared_ptr<LocalConnectionBudget> budget_;
    DbService service_;
    std::string module_id_;
    plinth_host host_{};
};

} // namespace plinth::storage
