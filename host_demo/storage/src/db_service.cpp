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
#include <variant>
#include <vector>

using plinth::storage::Connection;
using plinth::storage::DbError;

// A borrowed connection as a callback sees it. Lives on the stack of DbService::run.
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
    std::vector<plinth_db_statement *> open; // handles not finalized yet, freed when the callback ends
};

struct plinth_db_statement {
    using Value = std::variant<std::monostate, std::nullptr_t, int64_t, double, std::string, std::vector<char>>;
    plinth_db_connection *owner = nullptr;
    std::string sql;
    size_t parameter_count = 0;
    std::vector<Value> values; // monostate: not bound yet
    bool executed = false;
    plinth::storage::Rows rows;
    size_t next_row = 0; // rows[next_row - 1] is the current row
    uint64_t affected = 0;
    uint64_t insert_id = 0;
};

namespace plinth::storage {

namespace {

int32_t fail(plinth_error *error, plinth_status status, const std::string &message, int db_errno = 0) {
    return sdk::fill_error(error, status, message.c_str(), db_errno);
}

bool dooms(const DbError &e) { return e.retry_transaction() || e.connection_lost(); }

// Records a failure that dooms the attempt (db.h): later statements fail at once and the host
// runs the callback again.
void record_failure(plinth_db_connection &c, const DbError &e) {
    if (!dooms(e) || c.doom_code != 0) return;
    c.doom_code = e.code();
    c.doom_message = e.what();
    c.doom_unready = e.node_unready();
    c.doomed_at_first_statement = c.connection->statements_sent() - c.statements_before <= 1;
}

const Row *current_row(const plinth_db_statement *s) {
    if (s == nullptr || !s->executed || s->next_row == 0 || s->next_row > s->rows.size()) return nullptr;
    return &s->rows[s->next_row - 1];
}

int32_t bind_value(plinth_db_statement *s, uint32_t index, plinth_db_statement::Value value, plinth_error *error) {
    if (s == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no statement");
    if (index >= s->parameter_count)
        return fail(error, PLINTH_E_INVALID_ARGUMENT,
                    "parameter " + std::to_string(index) + " is out of range: the statement takes " +
                        std::to_string(s->parameter_count));
    if (s->executed) {
        s->executed = false;
        s->rows.clear();
        s->next_row = 0;
    }
    s->values[index] = std::move(value);
    return PLINTH_OK;
}

int32_t execute(plinth_db_statement *s, plinth_error *error) {
    plinth_db_connection &c = *s->owner;
    if (c.doom_code != 0)
        return fail(error, PLINTH_E_DATABASE,
                    "this transaction already failed (" + c.doom_message + "); the host will run it again", static_cast<int>(c.doom_code));
    std::vector<Param> params;
    params.reserve(s->values.size());
    for (size_t i = 0; i < s->values.size(); ++i) {
        const auto &v = s->values[i];
        if (std::holds_alternative<std::monostate>(v))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "parameter " + std::to_string(i) + " is not bound");
        if (std::holds_alternative<std::nullptr_t>(v)) params.emplace_back(nullptr);
        else if (auto *i64 = std::get_if<int64_t>(&v)) params.emplace_back(static_cast<long long>(*i64));
        else if (auto *d = std::get_if<double>(&v)) params.emplace_back(*d);
        else if (auto *text = std::get_if<std::string>(&v)) params.emplace_back(std::string_view(*text));
        else {
            const auto &blob = std::get<std::vector<char>>(v);
            params.push_back(Param::bytes(blob.data(), blob.size()));
        }
    }
    try {
        s->rows = c.connection->run_statement(s->sql, params, &s->affected);
        s->insert_id = c.connection->last_insert_id();
        s->executed = true;
        s->next_row = 0;
        return PLINTH_OK;
    } catch (const DbError &e) {
        record_failure(c, e);
        return fail(error, PLINTH_E_DATABASE, e.what(), static_cast<int>(e.code()));
    } catch (const sdk::Error &e) {
        return fail(error, e.status(), e.what(), e.db_errno());
    } catch (const std::exception &e) {
        return fail(error, PLINTH_E_INTERNAL, e.what());
    }
}

void finalize(plinth_db_statement *s) {
    if (s == nullptr) return;
    auto &open = s->owner->open;
    open.erase(std::remove(open.begin(), open.end(), s), open.end());
    delete s;
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
        if (c->doom_code != 0)
            return fail(error, PLINTH_E_DATABASE, "this transaction already failed (" + c->doom_message + ")",
                        static_cast<int>(c->doom_code));
        try {
            auto s = std::make_unique<plinth_db_statement>();
            s->owner = c;
            s->sql.assign(sql.data, sql.size);
            // The server's count, from the statement prepared now or cached on this connection.
            s->parameter_count = c->connection->parameter_count(s->sql);
            s->values.resize(s->parameter_count);
            c->open.push_back(s.get());
            *out = s.release();
            return PLINTH_OK;
        } catch (const DbError &e) {
            record_failure(*c, e);
            return fail(error, PLINTH_E_DATABASE, e.what(), static_cast<int>(e.code()));
        } catch (const sdk::Error &e) {
            return fail(error, e.status(), e.what(), e.db_errno());
        } catch (const std::exception &e) {
            return fail(error, PLINTH_E_INTERNAL, e.what());
        }
    };
    t.bind_null = [](plinth_db_statement *s, uint32_t i, plinth_error *e) { return bind_value(s, i, nullptr, e); };
    t.bind_int64 = [](plinth_db_statement *s, uint32_t i, int64_t v, plinth_error *e) { return bind_value(s, i, v, e); };
    t.bind_double = [](plinth_db_statement *s, uint32_t i, double v, plinth_error *e) { return bind_value(s, i, v, e); };
    t.bind_text = [](plinth_db_statement *s, uint32_t i, plinth_str v, plinth_error *e) -> int32_t {
        if (v.data == nullptr && v.size != 0) return fail(e, PLINTH_E_INVALID_ARGUMENT, "text without bytes");
        try {
            return bind_value(s, i, std::string(v.data ? v.data : "", v.size), e);
        } catch (...) {
            return fail(e, PLINTH_E_INTERNAL, "out of memory");
        }
    };
    t.bind_blob = [](plinth_db_statement *s, uint32_t i, const void *data, size_t size, plinth_error *e) -> int32_t {
        if (data == nullptr && size != 0) return fail(e, PLINTH_E_INVALID_ARGUMENT, "blob without bytes");
        try {
            const char *bytes = static_cast<const char *>(data);
            return bind_value(s, i, std::vector<char>(bytes, bytes + size), e);
        } catch (...) {
            return fail(e, PLINTH_E_INTERNAL, "out of memory");
        }
    };
    t.step = [](plinth_db_statement *s, plinth_error *error) -> int32_t {
        if (s == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no statement");
        if (!s->executed) {
            if (int32_t rc = execute(s, error); rc != PLINTH_OK) return rc;
        }
        if (s->next_row < s->rows.size()) {
            ++s->next_row;
            return PLINTH_DB_ROW;
        }
        s->next_row = s->rows.size() + 1;
        return PLINTH_DB_DONE;
    };
    t.column_count = [](const plinth_db_statement *s) -> uint32_t {
        return s && !s->rows.empty() ? static_cast<uint32_t>(s->rows.front().size()) : 0;
    };
    t.column_is_null = [](const plinth_db_statement *s, uint32_t i) -> int32_t {
        const Row *r = current_row(s);
        return r && i < r->size() && r->is_null(i) ? 1 : 0;
    };
    t.column_int64 = [](const plinth_db_statement *s, uint32_t i, int64_t *value, plinth_error *error) -> int32_t {
        const Row *r = current_row(s);
        if (r == nullptr || i >= r->size() || value == nullptr)
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "no column " + std::to_string(i) + " in a current row");
        const std::string &cell = r->str(i);
        int64_t v = 0;
        auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
        if (!r->is_null(i) && (ec != std::errc{} || end != cell.data() + cell.size()))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "column " + std::to_string(i) + " is not an integer");
        *value = r->is_null(i) ? 0 : v;
        return PLINTH_OK;
    };
    t.column_double = [](const plinth_db_statement *s, uint32_t i, double *value, plinth_error *error) -> int32_t {
        const Row *r = current_row(s);
        if (r == nullptr || i >= r->size() || value == nullptr)
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "no column " + std::to_string(i) + " in a current row");
        if (r->is_null(i)) {
            *value = 0;
            return PLINTH_OK;
        }
        const std::string &cell = r->str(i);
        char *end = nullptr;
        double v = std::strtod(cell.c_str(), &end);
        if (cell.empty() || end != cell.c_str() + cell.size())
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "column " + std::to_string(i) + " is not a number");
        *value = v;
        return PLINTH_OK;
    };
    t.column_text = [](const plinth_db_statement *s, uint32_t i, plinth_str *value, plinth_error *error) -> int32_t {
        const Row *r = current_row(s);
        if (r == nullptr || i >= r->size() || value == nullptr)
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "no column " + std::to_string(i) + " in a current row");
        const std::string &cell = r->str(i);
        *value = plinth_str{cell.data(), cell.size()};
        return PLINTH_OK;
    };
    t.column_blob = [](const plinth_db_statement *s, uint32_t i, const void **data, size_t *size,
                       plinth_error *error) -> int32_t {
        const Row *r = current_row(s);
        if (r == nullptr || i >= r->size() || data == nullptr || size == nullptr)
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "no column " + std::to_string(i) + " in a current row");
        const std::string &cell = r->str(i);
        *data = cell.data();
        *size = cell.size();
        return PLINTH_OK;
    };
    t.affected_rows = [](const plinth_db_statement *s) -> uint64_t { return s && s->executed ? s->affected : 0; };
    t.last_insert_id = [](const plinth_db_statement *s) -> uint64_t { return s && s->executed ? s->insert_id : 0; };
    t.reset = [](plinth_db_statement *s) {
        if (s == nullptr) return;
        s->executed = false;
        s->rows.clear();
        s->next_row = 0;
        s->affected = s->insert_id = 0;
        for (auto &v : s->values) v = std::monostate{};
    };
    t.finalize = [](plinth_db_statement *s) { finalize(s); };
    t.causal_reads = [](plinth_db_connection *c, int32_t enable, plinth_error *error) -> int32_t {
        if (c == nullptr || c->connection == nullptr) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no connection");
        try {
            if (!enable) c->causal.reset();
            else if (!c->causal) c->causal.emplace(*c->connection);
            return PLINTH_OK;
        } catch (const DbError &e) {
            record_failure(*c, e);
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
    for (plinth_db_statement *s : c.open) delete s;
    c.open.clear();
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
