// plinth/sdk/db.hpp — the host's database (plinth.db/1) seen from C++.
//
// A thin header over plinth/services/db.h: no client library, no pool, no retry loop of its own.
// The host keeps one pool per process, reconnects, fails over and retries transactions; this
// header turns the C calls into the shapes module code reads well:
//
//   sdk::db::Database db(host);
//   int64_t n = db.run([&](sdk::db::Connection &c) {
//       return c.query("SELECT COUNT(*) FROM t WHERE k = ?", {key}).at(0).i64(0);
//   });
//   db.transaction([&](sdk::db::Connection &c) { c.execute("UPDATE t SET v = v + 1 WHERE k = ?", {key}); });
//
// Exceptions never cross into the host: each callback runs inside a catch-all that hands the
// host a status, and the exception itself is rethrown to the caller of run/transaction once the
// host has rolled back (so `catch (const db::DbError &e) { if (e.duplicate_key()) ... }` works as
// before). A callback may run more than once (see db.h): keep its effects in the database.
#pragma once

#include <plinth/plinth.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace plinth::sdk::db {

// A failed database operation: status PLINTH_E_DATABASE, db_errno the server's or client's code.
// The host has already retried what could be retried.
class DbError : public sdk::Error {
public:
    DbError(unsigned code, const std::string &message) : sdk::Error(PLINTH_E_DATABASE, message, static_cast<int>(code)) {}
    unsigned code() const { return static_cast<unsigned>(db_errno()); }
    bool duplicate_key() const { return code() == 1062; }
};

// A bound statement parameter. Views are borrowed for the call they are passed to (the host
// copies them when binding).
class Param {
public:
    enum class Kind { null, integer, real, text, blob };
    Param(std::nullptr_t) : kind_(Kind::null) {}
    Param(int v) : kind_(Kind::integer), i_(v) {}
    Param(long v) : kind_(Kind::integer), i_(v) {}
    Param(long long v) : kind_(Kind::integer), i_(v) {}
    Param(unsigned v) : kind_(Kind::integer), i_(v) {}
    Param(bool v) : kind_(Kind::integer), i_(v ? 1 : 0) {}
    Param(double v) : kind_(Kind::real), d_(v) {}
    Param(std::string_view v) : kind_(Kind::text), s_(v) {}
    Param(const std::string &v) : kind_(Kind::text), s_(v) {}
    Param(const char *v) : kind_(Kind::text), s_(v) {}
    template <class T>
    Param(const std::optional<T> &v) : Param(v ? Param(*v) : Param(nullptr)) {}
    static Param bytes(const void *data, size_t size) {
        Param p(std::string_view(static_cast<const char *>(data), size));
        p.kind_ = Kind::blob;
        return p;
    }

    Kind kind() const { return kind_; }
    long long integer() const { return i_; }
    double real() const { return d_; }
    std::string_view text() const { return s_; }

private:
    Kind kind_;
    long long i_ = 0;
    double d_ = 0;
    std::string_view s_;
};

// One result row, copied once out of the host's buffers; cells are bytes (or NULL) converted on
// access.
class Row {
public:
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
    size_t size() const { return cells_.size(); }
    bool is_null(size_t i) const { return !cells_.at(i).has_value(); }
    // NULL reads as 0 / "" ; use is_null() or optional_* when NULL means something.
    int64_t i64(size_t i) const {
        const auto &cell = cells_.at(i);
        if (!cell) return 0;
        int64_t v = 0;
        auto [p, ec] = std::from_chars(cell->data(), cell->data() + cell->size(), v);
        if (ec != std::errc{}) throw sdk::Error(PLINTH_E_INTERNAL, "column " + std::to_string(i) + " is not an integer");
        return v;
    }
    double f64(size_t i) const {
        const auto &cell = cells_.at(i);
        return cell ? std::strtod(cell->c_str(), nullptr) : 0.0;
    }
    const std::string &str(size_t i) const {
        static const std::string empty;
        const auto &cell = cells_.at(i);
        return cell ? *cell : empty;
    }
    std::optional<int64_t> optional_i64(size_t i) const { return is_null(i) ? std::nullopt : std::optional(i64(i)); }
    std::optional<std::string> optional_str(size_t i) const { return cells_.at(i); }

private:
    std::vector<std::optional<std::string>> cells_;
};

using Rows = std::vector<Row>;

// One schema migration: sql/<module>/NNN_name.sql, embedded at build time.
struct Migration {
    std::string_view name; // "001_init"
    std::string_view sql;  // statements separated by ';' at the end of a line
};

// A connection the host lent for one run/transaction callback. Valid only inside it, on its
// thread.
class Connection {
public:
    Connection(const plinth_db_v1 &db, plinth_db_connection *raw, std::atomic<uint64_t> *counter)
        : db_(db), raw_(raw), counter_(counter) {}
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs a prepared statement (the host caches it per connection) and returns its rows.
    Rows query(std::string_view sql, std::initializer_list<Param> params = {}) {
        return run(sql, params.begin(), params.size(), nullptr);
    }
    Rows query(std::string_view sql, const std::vector<Param> &params) {
        return run(sql, params.data(), params.size(), nullptr);
    }
    // Runs a prepared statement that returns no rows; returns the affected (matched) row count.
    uint64_t execute(std::string_view sql, std::initializer_list<Param> params = {}) {
        uint64_t affected = 0;
        run(sql, params.begin(), params.size(), &affected);
        return affected;
    }
    uint64_t execute(std::string_view sql, const std::vector<Param> &params) {
        uint64_t affected = 0;
        run(sql, params.data(), params.size(), &affected);
        return affected;
    }
    // The AUTO_INCREMENT value generated by the last execute().
    uint64_t last_insert_id() const { return last_insert_id_; }

    const plinth_db_v1 &table() const { return db_; }
    plinth_db_connection *raw() const { return raw_; }

private:
    // Releases the handle however the statement ends.
    struct Statement {
        const plinth_db_v1 &db;
        plinth_db_statement *handle = nullptr;
        ~Statement() { db.finalize(handle); }
    };

    static void check(int32_t rc, const plinth_error &error) {
        if (rc == PLINTH_OK || rc == PLINTH_DB_ROW || rc == PLINTH_DB_DONE) return;
        if (rc == PLINTH_E_DATABASE) throw DbError(static_cast<unsigned>(error.db_errno), message_of(error, rc));
        throw_if_failed(rc, error);
    }

    Rows run(std::string_view sql, const Param *params, size_t count, uint64_t *affected) {
        plinth_error error = make_error();
        Statement s{db_, nullptr};
        check(db_.prepare(raw_, to_str(sql), &s.handle, &error), error);
        for (size_t i = 0; i < count; ++i) {
            const Param &p = params[i];
            auto index = static_cast<uint32_t>(i);
            int32_t rc = PLINTH_OK;
            switch (p.kind()) {
            case Param::Kind::null: rc = db_.bind_null(s.handle, index, &error); break;
            case Param::Kind::integer: rc = db_.bind_int64(s.handle, index, p.integer(), &error); break;
            case Param::Kind::real: rc = db_.bind_double(s.handle, index, p.real(), &error); break;
            case Param::Kind::text: rc = db_.bind_text(s.handle, index, to_str(p.text()), &error); break;
            case Param::Kind::blob:
                rc = db_.bind_blob(s.handle, index, p.text().data(), p.text().size(), &error);
                break;
            }
            check(rc, error);
        }
        if (counter_) counter_->fetch_add(1, std::memory_order_relaxed);
        // The host's column views are valid until the next step: each value is copied once, into
        // the row the caller keeps.
        Rows rows;
        uint32_t columns = 0;
        for (;;) {
            int32_t rc = db_.step(s.handle, &error);
            check(rc, error);
            if (rc == PLINTH_DB_DONE) break;
            if (rows.empty()) columns = db_.column_count(s.handle);
            std::vector<std::optional<std::string>> cells(columns);
            for (uint32_t i = 0; i < columns; ++i) {
                if (db_.column_is_null(s.handle, i)) continue;
                const void *data = nullptr;
                size_t size = 0;
                check(db_.column_blob(s.handle, i, &data, &size, &error), error);
                cells[i].emplace(static_cast<const char *>(data), size);
            }
            rows.emplace_back(std::move(cells));
        }
        if (affected) *affected = rows.empty() ? db_.affected_rows(s.handle) : rows.size();
        last_insert_id_ = db_.last_insert_id(s.handle);
        return rows;
    }

    const plinth_db_v1 &db_;
    plinth_db_connection *raw_;
    std::atomic<uint64_t> *counter_;
    uint64_t last_insert_id_ = 0;
};

// Reads through `c` while the guard lives see every write the cluster committed before each read
// began (Galera's wsrep_sync_wait = 1). Does nothing off Galera. See db.h causal_reads.
class CausalReads {
public:
    explicit CausalReads(Connection &c) : c_(c) {
        plinth_error error = make_error();
        int32_t rc = c_.table().causal_reads(c_.raw(), 1, &error);
        if (rc == PLINTH_E_DATABASE) throw DbError(static_cast<unsigned>(error.db_errno), message_of(error, rc));
        throw_if_failed(rc, error);
    }
    ~CausalReads() { c_.table().causal_reads(c_.raw(), 0, nullptr); }
    CausalReads(const CausalReads &) = delete;
    CausalReads &operator=(const CausalReads &) = delete;

private:
    Connection &c_;
};

// The host's database as one module instance uses it. Cheap; holds only the host's table.
// [thread-safe]
class Database {
public:
    // Throws sdk::Error(PLINTH_E_UNAVAILABLE) when the host offers no plinth.db/1.
    explicit Database(const sdk::Host &host) : host_(host.raw()) {
        const auto *table = host.service<plinth_db_v1>(PLINTH_SERVICE_DB);
        if (table == nullptr) throw unavailable("this host offers no database service (plinth.db/1)");
        std::memcpy(&db_, table, std::min<size_t>(table->struct_size, sizeof db_));
        if (db_.run == nullptr || db_.transaction == nullptr || db_.prepare == nullptr || db_.step == nullptr)
            throw unavailable("the host's database service lacks functions this module needs");
    }

    // Runs `work(Connection&)` on a borrowed connection, outside a transaction; returns what it
    // returns. The host retries only when the first statement failed before applying anything.
    template <class Work>
    auto run(Work &&work) {
        return call(db_.run, std::forward<Work>(work));
    }

    // Runs `work(Connection&)` inside a transaction, which the host retries on deadlock, lock-wait
    // timeout and Galera certification failure (so `work` must be safe to run again). A connection
    // lost during COMMIT throws PLINTH_E_UNAVAILABLE: the outcome is unknown.
    template <class Work>
    auto transaction(Work &&work) {
        return call(db_.transaction, std::forward<Work>(work));
    }

    // Hands the module's migrations to the host, which applies what is pending (db.h migrate);
    // returns {"module":..,"applied":[..],"current":..}.
    boost::json::object migrate(std::span<const Migration> migrations) {
        std::vector<plinth_db_migration> list;
        list.reserve(migrations.size());
        for (const Migration &m : migrations) list.push_back({sizeof(plinth_db_migration), to_str(m.name), to_str(m.sql)});
        StringSink report;
        plinth_error error = make_error();
        throw_if_failed(db_.migrate(host_, list.data(), static_cast<uint32_t>(list.size()), &report.sink, &error), error);
        boost::json::value v = boost::json::parse(report.text);
        if (!v.is_object()) throw Error(PLINTH_E_INTERNAL, "the host's migration report is not an object");
        return std::move(v.get_object());
    }

    // Statements this handle has sent (tests count lookups with it).
    uint64_t statements_executed() const { return statements_.load(std::memory_order_relaxed); }

private:
    template <class Work>
    struct Call {
        using Result = std::invoke_result_t<Work &, Connection &>;
        using Stored = std::conditional_t<std::is_void_v<Result>, bool, Result>;
        Work &work;
        const plinth_db_v1 &db;
        std::atomic<uint64_t> *counter;
        std::optional<Stored> result;
        std::exception_ptr thrown;
        int32_t returned = PLINTH_OK;

        static int32_t trampoline(void *context, plinth_db_connection *raw, plinth_error *error) noexcept {
            auto &self = *static_cast<Call *>(context);
            self.result.reset();
            self.thrown = nullptr;
            self.returned = guard(error, [&] {
                Connection c(self.db, raw, self.counter);
                try {
                    if constexpr (std::is_void_v<Result>) {
                        self.work(c);
                        self.result.emplace(true);
                    } else {
                        self.result.emplace(self.work(c));
                    }
                } catch (...) {
                    self.thrown = std::current_exception();
                    throw;
                }
            });
            return self.returned;
        }
    };

    template <class Work>
    auto call(int32_t (*entry)(const plinth_host *, plinth_db_work, void *, plinth_error *), Work &&work) {
        Call<std::remove_reference_t<Work>> call{work, db_, &statements_, std::nullopt, nullptr, PLINTH_OK};
        plinth_error error = make_error();
        int32_t rc = entry(host_, &decltype(call)::trampoline, &call, &error);
        if (rc != PLINTH_OK) {
            // The callback's own exception when the failure is the one it raised; else the host's.
            if (call.thrown && call.returned == rc) std::rethrow_exception(call.thrown);
            if (rc == PLINTH_E_DATABASE) throw DbError(static_cast<unsigned>(error.db_errno), message_of(error, rc));
            throw_if_failed(rc, error);
        }
        if constexpr (!std::is_void_v<typename decltype(call)::Result>) return std::move(*call.result);
    }

    const plinth_host *host_;
    plinth_db_v1 db_{};
    std::atomic<uint64_t> statements_{0};
};

// Applies `migrations` through the host (free-function form of Database::migrate).
inline boost::json::object migrate(Database &db, std::span<const Migration> migrations) {
    return db.migrate(migrations);
}

} // namespace plinth::sdk::db
