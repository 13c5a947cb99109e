// plinth.db/1 over the host's Pool: statement handles, typed binds and reads, and the retry policy
// of run/transaction described in plinth/services/db.h.
#include <plinth/storage/db_service.hpp>
#include <plinth/storage/migrations.hpp>

#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <vector>

using plinth::storage::Connection;
using plinth::storage::DbError;

// A borrowed connection as a callback sees it. Lives on the stack of DbService::run. The
// statement handles it lends are the connection's cached statements (plinth/storage/statement.hpp).
struct plinth_db_connection {
    Connection *connection = nullptr;
    uint64_t statements_before = 0; // statements_sent() when the callback began
    // The first failure that dooms the attempt (see db.h): retried by the host, whatever the
    // callback returns. 0 while none.
    unsigned doom_code = 0;
    std::string doom_message;
    bool doom_unready = false; // the node cannot serve: retry on another
    bool doomed_at_first_statement = false;
    std::optional<plinth::storage::CausalReads> causal;
};

namespace plinth::storage {

namespace {

int32_t fail(plinth_error *error, plinth_status status, const std::string &message, int db_errno = 0) {
    return sdk::fill_error(error, status, message.c_str(), db_errno);
}

bool dooms(const DbError &e) { return e.retry_transaction() || e.connection_lost(); }

// Records a failure that dooms the attempt (db.h): later statements fail at once and the host
// runs the callback again. `counted` says whether the failing call was itself counted as a
// statement sent (an execution) or came before one (a prepare, a session setting): a run outside
// a transaction is retried only when no earlier statement of the callback was applied.
void record_failure(plinth_db_connection &c, const DbError &e, bool counted) {
    if (!dooms(e) || c.doom_code != 0) return;
    c.doom_code = e.code();
    c.doom_message = e.what();
    c.doom_unready = e.node_unready();
    uint64_t sent = c.connection->statements_sent() - c.statements_before;
    c.doomed_at_first_statement = counted ? sent <= 1 : sent == 0;
}

// Statement handles as the C table receives them: checked, never trusted to be non-null.
int32_t no_statement(plinth_error *error) { return fail(error, PLINTH_E_INVALID_ARGUMENT, "no statement"); }

int32_t check_index(const plinth_db_statement *s, uint32_t index, plinth_error *error) {
    if (s == nullptr) return no_statement(error);
    if (index >= s->parameter_count())
        return fail(error, PLINTH_E_INVALID_ARGUMENT,
                    "parameter " + std::to_string(index) + " is out of range: the statement takes " +
                        std::to_string(s->parameter_count()));
    return PLINTH_OK;
}

int32_t no_column(uint32_t index, plinth_error *error) {
    return fail(error, PLINTH_E_INVALID_ARGUMENT, "no column " + std::to_string(index) + " in a current row");
}

bool has_column(const plinth_db_statement *s, uint32_t index) {
    return s != nullptr && s->has_row() && index < s->column_count();
}

// Translates what the statement layer throws into a status, recording a failure that dooms the
// attempt.
template <class Body>
int32_t guarded(plinth_db_connection *c, bool counted, plinth_error *error, Body &&body) noexcept {
    try {
        return body();
    } catch (const DbError &e) {
        if (c != nullptr) record_failure(*c, e, counted);
        return fail(error, PLINTH_E_DATABASE, e.what(), static_cast<int>(e.code()));
    } catch (const sdk::Error &e) {
        return fail(error, e.status(), e.what(), e.db_errno());
    } catch (const std::exception &e) {
        return fail(error, PLINTH_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, PLINTH_E_INTERNAL, "unknown exception in the database service");
    }
}

int32_t doomed(const plinth_db_connection &c, plinth_error *error) {
    return fail(error, PLINTH_E_DATABASE,
                "this transaction already failed (" + c.doom_message + "); the host will run it again",
                static_cast<int>(c.doom_code));
}

int32_t execute(plinth_db_statement *s, plinth_error *error) {
    plinth_db_connection &c = *s->owner;
    if (c.doom_code != 0) return doomed(c, error);
    if (unsigned i = s->first_unbound(); i < s->parameter_count())
        return fail(error, PLINTH_E_INVALID_ARGUMENT, "parameter " + std::to_string(i) + " is not bound");
    return guarded(&c, true, error, [&] {
        s->execute();
        return PLINTH_OK;
    });
}

void backoff(unsigned attempt) {
    // Full jitter under a doubling ceiling (2 ms .. 200 ms), so peers that collided spread out.
    thread_local std::minstd_rand rng{std::random_device{}()};
    unsigned ceiling_ms = std::min(200u, 2u << std::min(attempt, 7u));
    std::uniform_int_distribution<unsigned> pick(1, ceiling_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
}

} // namespace

void fill_statement_functions(plinth_db_v1 &t) {
    t.prepare = [](plinth_db_connection *c, plinth_str sql, plinth_db_statement **out, plinth_error *error) -> int32_t {
        if (out == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no place for the statement handle");
        *out = nullptr;
        if (c == nullptr || c->connection == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no connection");
        if (sql.size == 0 || sql.data == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "empty SQL text");
        if (c->doom_code != 0) return doomed(*c, error);
        return guarded(c, false, error, [&] {
            // The statement cached on this connection for that text (a hash lookup), lent to the
            // callback until finalize or its end.
            plinth_db_statement &s = c->connection->acquire(std::string_view(sql.data, sql.size));
            s.owner = c;
            *out = &s;
            return PLINTH_OK;
        });
    };
    t.bind_null = [](plinth_db_statement *s, uint32_t i, plinth_error *e) -> int32_t {
        if (int32_t rc = check_index(s, i, e); rc != PLINTH_OK) return rc;
        s->bind_null(i);
        return PLINTH_OK;
    };
    t.bind_int64 = [](plinth_db_statement *s, uint32_t i, int64_t v, plinth_error *e) -> int32_t {
        if (int32_t rc = check_index(s, i, e); rc != PLINTH_OK) return rc;
        s->bind_int64(i, v);
        return PLINTH_OK;
    };
    t.bind_double = [](plinth_db_statement *s, uint32_t i, double v, plinth_error *e) -> int32_t {
        if (int32_t rc = check_index(s, i, e); rc != PLINTH_OK) return rc;
        s->bind_double(i, v);
        return PLINTH_OK;
    };
    t.bind_text = [](plinth_db_statement *s, uint32_t i, plinth_str v, plinth_error *e) -> int32_t {
        if (int32_t rc = check_index(s, i, e); rc != PLINTH_OK) return rc;
        if (v.data == nullptr && v.size != 0) return fail(e, PLINTH_E_INVALID_ARGUMENT, "text without bytes");
        return guarded(s->owner, false, e, [&] {
            s->bind_bytes(i, v.data, v.size, false);
            return PLINTH_OK;
        });
    };
    t.bind_blob = [](plinth_db_statement *s, uint32_t i, const void *data, size_t size, plinth_error *e) -> int32_t {
        if (int32_t rc = check_index(s, i, e); rc != PLINTH_OK) return rc;
        if (data == nullptr && size != 0) return fail(e, PLINTH_E_INVALID_ARGUMENT, "blob without bytes");
        return guarded(s->owner, false, e, [&] {
            s->bind_bytes(i, data, size, true);
            return PLINTH_OK;
        });
    };
    t.step = [](plinth_db_statement *s, plinth_error *error) -> int32_t {
        if (s == nullptr || s->owner == nullptr) return no_statement(error);
        // A doomed attempt's session may be gone: no statement of it steps on, not even one
        // whose result was read before.
        if (s->owner->doom_code != 0) return doomed(*s->owner, error);
        if (!s->executed()) {
            if (int32_t rc = execute(s, error); rc != PLINTH_OK) return rc;
        }
        return guarded(s->owner, true, error, [&] { return s->fetch() ? PLINTH_DB_ROW : PLINTH_DB_DONE; });
    };
    t.column_count = [](const plinth_db_statement *s) -> uint32_t { return s ? s->column_count() : 0; };
    t.column_is_null = [](const plinth_db_statement *s, uint32_t i) -> int32_t {
        return has_column(s, i) && s->is_null(i) ? 1 : 0;
    };
    t.column_int64 = [](const plinth_db_statement *s, uint32_t i, int64_t *value, plinth_error *error) -> int32_t {
        if (!has_column(s, i) || value == nullptr) return no_column(i, error);
        if (!s->read_int64(i, *value))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "column " + std::to_string(i) + " is not an integer");
        return PLINTH_OK;
    };
    t.column_double = [](const plinth_db_statement *s, uint32_t i, double *value, plinth_error *error) -> int32_t {
        if (!has_column(s, i) || value == nullptr) return no_column(i, error);
        if (!s->read_double(i, *value))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "column " + std::to_string(i) + " is not a number");
        return PLINTH_OK;
    };
    // Text and blob views point into the statement's buffers: valid until its next step, reset
    // or finalize (db.h).
    t.column_text = [](const plinth_db_statement *s, uint32_t i, plinth_str *value, plinth_error *error) -> int32_t {
        if (!has_column(s, i) || value == nullptr) return no_column(i, error);
        std::string_view bytes = s->bytes(i);
        *value = plinth_str{bytes.data(), bytes.size()};
        return PLINTH_OK;
    };
    t.column_blob = [](const plinth_db_statement *s, uint32_t i, const void **data, size_t *size,
                       plinth_error *error) -> int32_t {
        if (!has_column(s, i) || data == nullptr || size == nullptr) return no_column(i, error);
        std::string_view bytes = s->bytes(i);
        *data = bytes.data();
        *size = bytes.size();
        return PLINTH_OK;
    };
    t.affected_rows = [](const plinth_db_statement *s) -> uint64_t { return s && s->executed() ? s->affected_rows() : 0; };
    t.last_insert_id = [](const plinth_db_statement *s) -> uint64_t { return s && s->executed() ? s->insert_id() : 0; };
    t.reset = [](plinth_db_statement *s) {
        if (s != nullptr) s->reset(true);
    };
    // Gives the statement back to its connection's cache; a handle already given back (or NULL)
    // is ignored.
    t.finalize = [](plinth_db_statement *s) {
        if (s != nullptr && s->owner != nullptr) s->owner->connection->release(*s);
    };
    t.causal_reads = [](plinth_db_connection *c, int32_t enable, plinth_error *error) -> int32_t {
        if (c == nullptr || c->connection == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no connection");
        try {
            if (!enable) c->causal.reset();
            else if (!c->causal) c->causal.emplace(*c->connection);
            return PLINTH_OK;
        } catch (const DbError &e) {
            record_failure(*c, e, false);
            return fail(error, PLINTH_E_DATABASE, e.what(), static_cast<int>(e.code()));
        } catch (const std::exception &e) {
            return fail(error, PLINTH_E_INTERNAL, e.what());
        }
    };
}

// ---- DbService ----

DbService::DbService(const boost::json::object *database, std::shared_ptr<ConnectionBudget> budget)
    : budget_(std::move(budget)) {
    if (database != nullptr) {
        database_ = *database;
        configured_ = true;
    }
}

DbService::~DbService() = default;

Pool &DbService::pool() {
    sdk::MutexLock lock(mutex_);
    if (pool_) return *pool_;
    if (!configured_) throw sdk::unavailable("the host configuration has no \"database\" settings");
    DbConfig config = DbConfig::from_json(database_);
    if (budget_) {
        // One pool for the whole process: its size is the process's connection budget.
        config.pool_size = budget_->limit();
        config.budget = budget_;
    }
    pool_ = std::make_unique<Pool>(std::move(config));
    return *pool_;
}

namespace {

// Ends one callback's use of a borrowed connection: what the callback left open is finalized,
// causal reads are switched back off.
void end_callback(plinth_db_connection &c) noexcept {
    c.connection->release_all();
    try {
        c.causal.reset();
    } catch (...) {
    }
}

} // namespace

int32_t DbService::run(plinth_db_work work, void *context, plinth_error *error, bool transactional) noexcept {
    if (work == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no work given");
    try {
        Pool &p = pool();
        const unsigned max_attempts = p.config().max_txn_attempts;
        for (unsigned attempt = 1;; ++attempt) {
            Pool::Lease lease = p.acquire();
            plinth_db_connection c;
            c.connection = &*lease;
            bool last = attempt >= max_attempts;
            if (transactional) {
                try {
                    lease->begin();
                } catch (const DbError &e) {
                    if (!dooms(e) || last) throw;
                    if (e.connection_lost() || e.node_unready()) lease->reconnect();
                    backoff(attempt);
                    continue;
                }
            }
            c.statements_before = lease->statements_sent();
            int32_t rc = work(context, &c, error);
            end_callback(c);
            if (c.doom_code != 0) {
                bool retry = transactional || c.doomed_at_first_statement;
                if (transactional) lease->rollback();
                if (!retry || last) {
                    if (rc == PLINTH_OK) // the callback swallowed the failure: still report it
                        return fail(error, PLINTH_E_DATABASE, c.doom_message, static_cast<int>(c.doom_code));
                    return rc;
                }
                if (is_connection_lost(c.doom_code) || c.doom_unready) {
                    lease->reconnect(); // waits for the server (or the next node) as a new connection does
                } else {
                    backoff(attempt);
                }
                continue;
            }
            if (!transactional) return rc;
            if (rc != PLINTH_OK) {
                lease->rollback();
                return rc;
            }
            try {
                lease->commit();
                return PLINTH_OK;
            } catch (const DbError &e) {
                lease->rollback();
                if (e.connection_lost())
                    return fail(error, PLINTH_E_UNAVAILABLE,
                                "the database connection was lost during COMMIT; the transaction's outcome is unknown",
                                2013);
                if (!e.retry_transaction() || last) throw;
                if (e.node_unready()) lease->reconnect();
                backoff(attempt);
            }
        }
    } catch (const DbError &e) {
        return fail(error, PLINTH_E_DATABASE, e.what(), static_cast<int>(e.code()));
    } catch (const sdk::Error &e) {
        return fail(error, e.status(), e.what(), e.db_errno());
    } catch (const std::exception &e) {
        return fail(error, PLINTH_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, PLINTH_E_INTERNAL, "unknown exception in the database service");
    }
}

int32_t DbService::migrate(std::string_view module_id, const plinth_db_migration *migrations, uint32_t count,
                           const plinth_sink *report, plinth_error *error) noexcept {
    return sdk::guard(error, [&] {
        if (count > 0 && migrations == nullptr) throw sdk::invalid_argument("no migrations given");
        size_t stride = count > 0 ? migrations[0].struct_size : 0;
        if (count > 0 && stride < offsetof(plinth_db_migration, sql) + sizeof(plinth_str))
            throw sdk::invalid_argument("migration entries too small");
        const auto *bytes = reinterpret_cast<const unsigned char *>(migrations);
        std::vector<Migration> list;
        for (uint32_t i = 0; i < count; ++i) {
            plinth_db_migration m{};
            std::memcpy(&m, bytes + i * stride, std::min(stride, sizeof m));
            std::string_view name = sdk::to_view(m.name), sql = sdk::to_view(m.sql);
            if (name.empty() || name.size() > 190) throw sdk::invalid_argument("a migration needs a name of 1 to 190 bytes");
            if (!list.empty() && name <= list.back().name)
                throw sdk::invalid_argument("migrations must be given in increasing name order ('" + std::string(name) +
                                            "' after '" + std::string(list.back().name) + "')");
            list.push_back(Migration{name, sql});
        }
        boost::json::object result = storage::migrate(pool(), module_id, list);
        if (report != nullptr) {
            std::string text = boost::json::serialize(result);
            if (report->write(report->context, text.data(), text.size()) != 0)
                throw sdk::Error(PLINTH_E_SINK, "the report sink refused the migration report");
        }
    });
}

// ---- StandaloneDb ----

StandaloneDb::StandaloneDb(const boost::json::object &database, std::string module_id, size_t connection_budget)
    : budget_(std::make_shared<LocalConnectionBudget>(connection_budget)),
      service_(&database, budget_),
      module_id_(std::move(module_id)) {
    host_ = plinth_host{sizeof(plinth_host), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, this, &StandaloneDb::get_service};
}

DbCaller StandaloneDb::caller(const plinth_host *host) {
    auto *self = static_cast<StandaloneDb *>(host->host_data);
    return {&self->service_, self->module_id_};
}

const void *StandaloneDb::get_service(const plinth_host *, const char *id) {
    if (id != nullptr && std::string_view(id) == PLINTH_SERVICE_DB) return &db_service_table<&StandaloneDb::caller>();
    return nullptr;
}

} // namespace plinth::storage
