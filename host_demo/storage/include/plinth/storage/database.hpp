// plinth/storage/database.hpp — the host's MariaDB client: connections, the pool, retries.
//
// Not part of the ABI and linked only into the host (and its tests): modules reach the database
// through the plinth.db/1 service (plinth/services/db.h, served by db_service.hpp). One Pool per
// host process; each pooled Connection caches its prepared statements. Only prepared statements
// carry data; the text protocol is used for nothing but migrations and transaction control.
#pragma once

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/thread_annotations.hpp>
#include <plinth/storage/budget.hpp>
#include <plinth/storage/statement.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct st_mysql;
struct st_mysql_stmt;

namespace plinth::storage {

// One server to connect to: a unix socket, or a TCP host and port (TLS verified).
struct Endpoint {
    std::string socket;
    std::string host;
    unsigned port = 3306;
    std::string describe() const { return socket.empty() ? host + ":" + std::to_string(port) : socket; }
};

// Which endpoint of an ordered list the connections of one module use now; shared by them so
// that once one has failed over, new connections go straight to the node that answered.
struct Failover {
    std::atomic<size_t> current{0};
};

// Where and how to connect. Read from the "database" member the host's config service provides.
struct DbConfig {
    std::string socket;       // unix socket path; used when set
    std::string host;         // TCP host, used when socket is empty (TLS verified)
    unsigned port = 3306;
    // "hosts": an ordered list of servers (Galera nodes) used instead of socket/host/port. A
    // connection goes to the first that answers; a lost one reconnects to the next in turn.
    std::vector<Endpoint> hosts;
    std::shared_ptr<Failover> failover = std::make_shared<Failover>();
    std::string user = "root";
    std::string password;
    std::string database;
    unsigned connect_timeout_s = 5;
    unsigned read_timeout_s = 30;
    unsigned write_timeout_s = 30;
    size_t pool_size = 8;         // connections kept open at most
    unsigned max_txn_attempts = 8; // deadlock / lock-wait retries before giving up
    std::string tls_ca;           // CA file for TCP connections; empty uses the system store
    // How long a connection that cannot be opened or was lost keeps being retried, with jittered
    // exponential backoff, before the error is thrown: a server restarting, or refusing with
    // 1040 "too many connections", gets this long to come back.
    unsigned reconnect_timeout_ms = 5000;
    // How long acquire() waits for a pooled connection or a slot of the process budget.
    unsigned acquire_timeout_ms = 5000;
    // The process-wide connection budget every pool draws from; null bounds only this pool.
    std::shared_ptr<ConnectionBudget> budget;

    // The servers to try, in order: `hosts`, else the single socket or host.
    std::vector<Endpoint> endpoints() const;

    static DbConfig from_json(const boost::json::object &database);
    // From a module's configuration (sdk::Host::config()), whose "database" member the host fills,
    // with the host's process-wide connection budget when it offers one.
    static DbConfig from_module_config(const boost::json::object &module_config, const sdk::Host &host);
};

// Errors that mean the session is gone (the server restarted, killed it, or is shutting down).
bool is_connection_lost(unsigned code);
// 1040 (too many connections), 1203 and 1226 (too many for this account).
bool is_server_full(unsigned code);
// Errors worth waiting out when connecting: no server listening yet, a lost handshake,
// 1040/1203/1226 (too many connections), a server shutting down.
bool is_transient_connect_error(unsigned code);

// The node cannot serve and applied nothing: 1047 ("WSREP has not yet prepared node for
// application use": joining, or cut off from the majority), or 1180 at COMMIT from a node that
// could not replicate the transaction ("... Not connected to Primary Component"), which it then
// rolled back. Another node can run the transaction.
bool is_node_unready(unsigned code, std::string_view message);

// A failed database operation. status() is PLINTH_E_DATABASE; db_errno() the server/client code.
class DbError : public sdk::Error {
public:
    DbError(unsigned code, const std::string &what)
        : sdk::Error(PLINTH_E_DATABASE, "database error " + std::to_string(code) + ": " + what,
                     static_cast<int>(code)),
          unready_(is_node_unready(code, what)) {}
    unsigned code() const { return static_cast<unsigned>(db_errno()); }
    bool connection_lost() const { return is_connection_lost(code()); }
    // Safe to run the whole transaction again: a deadlock or a Galera certification failure
    // (1213, also at COMMIT), a lock-wait timeout (1205), a node that cannot serve (node_unready).
    bool retry_transaction() const { return code() == 1213 || code() == 1205 || unready_; }
    // The node this connection reached cannot serve (is_node_unready): reconnect, to another if
    // there is one.
    bool node_unready() const { return unready_; }
    bool duplicate_key() const { return code() == 1062; }

private:
    bool unready_;
};

// A bound statement parameter. Views are borrowed: they must outlive the call they are passed to.
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

// One result row; every cell arrives as bytes (or NULL) and is converted on access.
class Row {
public:
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
    size_t size() const { return cells_.size(); }
    bool is_null(size_t i) const { return !cells_.at(i).has_value(); }
    // NULL reads as 0 / "" ; use is_null() or optional_* when NULL means something.
    int64_t i64(size_t i) const;
    double f64(size_t i) const;
    const std::string &str(size_t i) const;
    std::optional<int64_t> optional_i64(size_t i) const { return is_null(i) ? std::nullopt : std::optional(i64(i)); }
    std::optional<std::string> optional_str(size_t i) const { return cells_.at(i); }

private:
    std::vector<std::optional<std::string>> cells_;
};

using Rows = std::vector<Row>;

// One server connection with its prepared statement cache. Not thread-safe: a Connection is used
// by one thread at a time, through a Pool lease.
class Connection {
public:
    // Opens the session; transient failures (is_transient_connect_error) are retried with
    // backoff for up to config.reconnect_timeout_ms before the last error is thrown.
    Connection(const DbConfig &config, std::atomic<uint64_t> *statement_counter);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs a prepared statement (prepared once per connection, then cached) and returns its rows.
    Rows query(std::string_view sql, std::initializer_list<Param> params = {});
    Rows query(std::string_view sql, const std::vector<Param> &params);
    // Runs a prepared statement that returns no rows; returns the affected row count.
    uint64_t execute(std::string_view sql, std::initializer_list<Param> params = {});
    uint64_t execute(std::string_view sql, const std::vector<Param> &params);
    // Lends the statement prepared for `sql` on this connection (preparing and caching it on first
    // use), with nothing bound and no result. When the cached one is lent already (the same SQL
    // run again while its rows are read), a second statement is prepared for this use and closed
    // on release. Throws DbError. [the connection's thread]
    Statement &acquire(std::string_view sql);
    // Gives a lent statement back: its result ends, its bound values are forgotten.
    void release(Statement &statement) noexcept;
    // Releases every statement still lent (the end of a plinth.db/1 callback).
    void release_all() noexcept;
    // The AUTO_INCREMENT value generated by the last execute().
    uint64_t last_insert_id() const { return last_insert_id_; }

    // Text protocol, for trusted statements only (migrations, transaction control, locks).
    void execute_trusted(std::string_view sql);

    void begin() { execute_trusted("START TRANSACTION"); }
    void commit() { execute_trusted("COMMIT"); }
    void rollback() noexcept;

    bool broken() const { return mysql_ == nullptr; }
    // True when the server is a Galera node (wsrep_on); asked once per session.
    bool galera();
    // The endpoint this session is connected to (config.endpoints() index).
    size_t endpoint() const { return endpoint_; }
    // Statements sent on this connection so far (Pool::run uses it to decide whether a retry is safe).
    uint64_t statements_sent() const { return statements_sent_; }
    // Drops the session and opens a new one, waiting for the server as the constructor does; the
    // statement cache is emptied (re-prepare on use).
    void reconnect();
    st_mysql *native() { return mysql_; }

private:
    friend struct ::plinth_db_statement;
    Rows run(std::string_view sql, const Param *params, size_t count, bool want_rows, uint64_t *affected);
    void connect();
    void connect_once(const Endpoint &endpoint);
    void close() noexcept;
    [[noreturn]] void fail(unsigned code, const char *message);
    void count_statement() noexcept {
        statement_counter_->fetch_add(1, std::memory_order_relaxed);
        ++statements_sent_;
    }
    // Session settings outside the statement count (CausalReads).
    void set_session(std::string_view sql);

    DbConfig config_;
    std::atomic<uint64_t> *statement_counter_;
    st_mysql *mysql_ = nullptr;
    // Transparent hashing: cache lookups by string_view allocate nothing on the hot path.
    struct SqlHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> statements_;
    // Statements outside the cache: second ones of a SQL text whose cached statement was lent,
    // and lent ones whose session closed under them. Destroyed on release.
    std::vector<std::unique_ptr<Statement>> uncached_;
    std::vector<Statement *> lent_; // in lending order; its capacity is kept
    uint64_t last_insert_id_ = 0;
    size_t endpoint_ = 0;
    bool moving_on_ = false; // the next connect starts at the endpoint after endpoint_
    int galera_ = -1;        // -1 unknown, else 0/1 for this session
    std::string sync_wait_;  // the session's own wsrep_sync_wait, restored after causal reads
    friend class CausalReads;
    uint64_t statements_sent_ = 0;
};

// Reads through `c` while the guard lives see every write the cluster committed before each read
// began (Galera's wsrep_sync_wait = 1), even one made through another node. For decisions that
// depend on another host's write: a revocation, a logout, a request state. Does nothing on a
// server that is not a Galera node; costs one round trip at each end on one that is.
class CausalReads {
public:
    explicit CausalReads(Connection &c);
    ~CausalReads();
    CausalReads(const CausalReads &) = delete;
    CausalReads &operator=(const CausalReads &) = delete;

private:
    Connection *c_ = nullptr;
};

// A bounded set of connections for one module instance. [thread-safe]
class Pool {
public:
    explicit Pool(DbConfig config);
    ~Pool();
    Pool(const Pool &) = delete;
    Pool &operator=(const Pool &) = delete;

    class Lease {
    public:
        Lease(Pool *pool, std::unique_ptr<Connection> c) : pool_(pool), connection_(std::move(c)) {}
        Lease(Lease &&) noexcept = default;
        Lease &operator=(Lease &&) noexcept = default;
        ~Lease();
        Connection &operator*() const { return *connection_; }
        Connection *operator->() const { return connection_.get(); }

    private:
        Pool *pool_;
        std::unique_ptr<Connection> connection_;
    };

    // Borrows a connection, opening one when none is idle and the pool is not full (taking a slot
    // of the process budget first); otherwise waits. After acquire_timeout_ms without a
    // connection it throws sdk::Error(PLINTH_E_UNAVAILABLE).
    Lease acquire() PLINTH_EXCLUDES(mutex_);

    // Runs `work(Connection&)` outside a transaction. When the work's first statement fails in a
    // way that applied nothing — the connection was lost (a pooled connection whose server
    // restarted), the node is not ready (1047), a deadlock, certification failure or lock-wait
    // timeout — the work runs again (after reconnecting, to the next node of `hosts` if any), up to
    // max_txn_attempts. A failure after that is thrown: earlier statements may have been applied
    // in autocommit, so only the caller can know whether running them again is safe.
    template <class Work>
    auto run(Work &&work) {
        for (unsigned attempt = 1;; ++attempt) {
            Lease lease = acquire();
            uint64_t before = lease->statements_sent();
            try {
                return work(*lease);
            } catch (const DbError &e) {
                bool first_statement = lease->statements_sent() - before <= 1;
                bool reconnect = e.connection_lost() || e.node_unready();
                if (!first_statement || !(reconnect || e.retry_transaction()) || attempt >= config_.max_txn_attempts)
                    throw;
                if (reconnect) lease->reconnect();
                else backoff(attempt);
            }
        }
    }

    // Runs `work(Connection&)` inside START TRANSACTION / COMMIT. Deadlocks, Galera certification
    // failures (1213, at any statement including COMMIT), lock-wait timeouts (1205) and a node
    // that is not ready (1047, reconnecting first) retry the whole transaction with jittered
    // exponential backoff; a lost
    // connection reconnects (waiting up to reconnect_timeout_ms for the server) and retries. Any other exception rolls back and propagates, so a
    // failed rule leaves the database unchanged. `work` must therefore be safe to run again.
    //
    // A connection lost before COMMIT is safe to retry (the server rolls the transaction back
    // when the session dies); one lost during COMMIT is not, because the server may have
    // committed: that throws PLINTH_E_UNAVAILABLE ("outcome unknown") instead of running twice.
    template <class Work>
    auto transaction(Work &&work) {
        for (unsigned attempt = 1;; ++attempt) {
            Lease lease = acquire();
            bool committing = false;
            try {
                lease->begin();
                if constexpr (std::is_void_v<decltype(work(*lease))>) {
                    work(*lease);
                    committing = true;
                    lease->commit();
                    return;
                } else {
                    auto result = work(*lease);
                    committing = true;
                    lease->commit();
                    return result;
                }
            } catch (const DbError &e) {
                lease->rollback();
                if (committing && e.connection_lost())
                    throw sdk::unavailable("the database connection was lost during COMMIT; the transaction's outcome "
                                           "is unknown");
                bool retry = e.retry_transaction() || e.connection_lost();
                if (!retry || attempt >= config_.max_txn_attempts) throw;
                if (e.connection_lost() || e.node_unready()) lease->reconnect();
                backoff(attempt);
            } catch (...) {
                lease->rollback();
                throw;
            }
        }
    }

    const DbConfig &config() const { return config_; }
    // Statements sent to the server by this pool so far (tests count lookups with it).
    uint64_t statements_executed() const { return statements_.load(std::memory_order_relaxed); }
    uint64_t transaction_retries() const { return retries_.load(std::memory_order_relaxed); }

private:
    void give_back(std::unique_ptr<Connection> c) PLINTH_EXCLUDES(mutex_);
    void backoff(unsigned attempt);
    // plinth.connections/1 reclaimer: closes this pool's least recently used idle connection.
    static int32_t reclaim_idle(void *pool) noexcept;

    DbConfig config_;
    std::shared_ptr<ConnectionBudget> budget_; // every open connection holds one slot of it
    uint64_t reclaimer_ = 0;
    sdk::Mutex mutex_; // never held while calling into the budget
    std::condition_variable idle_cv_;
    std::vector<std::unique_ptr<Connection>> idle_ PLINTH_GUARDED_BY(mutex_);
    size_t open_ PLINTH_GUARDED_BY(mutex_) = 0;
    size_t waiting_ PLINTH_GUARDED_BY(mutex_) = 0; // threads waiting in acquire() for this pool's connections
    std::atomic<uint64_t> statements_{0};
    std::atomic<uint64_t> retries_{0};
};

} // namespace plinth::storage
