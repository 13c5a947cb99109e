#include <plinth/storage/database.hpp>

#include <plinth/sdk/host.hpp>

#include <mysql.h>
#include <errmsg.h>

#include <boost/json.hpp>

#include <charconv>
#include <cstring>
#include <random>
#include <thread>

namespace plinth::storage {

namespace {

// mysql_library_init is not thread-safe and must run once per process before any connection.
void library_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

std::string json_string(const boost::json::object &o, std::string_view key, std::string fallback) {
    if (const auto *v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return fallback;
}

unsigned json_unsigned(const boost::json::object &o, std::string_view key, unsigned fallback) {
    if (const auto *v = o.if_contains(key)) {
        if (v->is_int64() && v->get_int64() >= 0) return static_cast<unsigned>(v->get_int64());
        if (v->is_uint64()) return static_cast<unsigned>(v->get_uint64());
    }
    return fallback;
}

// Full jitter over a doubling ceiling: 25 ms, 50 ms, ... capped at 1 s, so clients that lost the
// same server do not all knock at the same instant when it comes back.
std::chrono::milliseconds reconnect_delay(unsigned attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    unsigned ceiling_ms = std::min(1000u, 25u << std::min(attempt, 6u));
    std::uniform_int_distribution<unsigned> pick(ceiling_ms / 2, ceiling_ms);
    return std::chrono::milliseconds(pick(rng));
}

} // namespace

bool is_connection_lost(unsigned code) {
    switch (code) {
    case CR_SERVER_GONE_ERROR: // 2006
    case CR_SERVER_LOST:       // 2013
    case 1053:                 // ER_SERVER_SHUTDOWN: the server is closing every session
    case 1927:                 // ER_CONNECTION_KILLED
        return true;
    default:
        return false;
    }
}

bool is_server_full(unsigned code) { return code == 1040 || code == 1203 || code == 1226; }

bool is_node_unready(unsigned code, std::string_view message) {
    return code == 1047 || (code == 1180 && message.find("Not connected to Primary Component") != std::string_view::npos);
}

bool is_transient_connect_error(unsigned code) {
    switch (code) {
    case CR_CONNECTION_ERROR: // 2002: no server on the socket (yet)
    case CR_CONN_HOST_ERROR:  // 2003: no server on the port (yet)
        return true;
    default:
        return is_server_full(code) || is_connection_lost(code);
    }
}

namespace {

// "db1.internal", "db1.internal:3307", "/run/mysqld/mysqld.sock", or {"host":..,"port":..} /
// {"socket":..}.
Endpoint endpoint_from_json(const boost::json::value &v, unsigned default_port) {
    Endpoint e;
    e.port = default_port;
    if (v.is_string()) {
        std::string text(v.get_string());
        if (!text.empty() && text.front() == '/') {
            e.socket = text;
        } else {
            size_t colon = text.rfind(':');
            e.host = text.substr(0, colon);
            if (colon != std::string::npos) {
                std::string port = text.substr(colon + 1);
                unsigned n = 0;
                auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
                if (ec != std::errc{} || p != port.data() + port.size() || n == 0 || n > 65535)
                    throw sdk::invalid_argument("database.hosts: '" + text + "' has no valid port");
                e.port = n;
            }
        }
    } else if (v.is_object()) {
        e.socket = json_string(v.get_object(), "socket", "");
        e.host = json_string(v.get_object(), "host", "");
        e.port = json_unsigned(v.get_object(), "port", default_port);
    } else {
        throw sdk::invalid_argument("database.hosts entries are \"host[:port]\", a socket path, or an object");
    }
    if (e.socket.empty() && e.host.empty())
        throw sdk::invalid_argument("database.hosts: an entry names neither a host nor a socket");
    return e;
}

} // namespace

std::vector<Endpoint> DbConfig::endpoints() const {
    if (!hosts.empty()) return hosts;
    Endpoint e;
    e.socket = socket;
    e.host = host;
    e.port = port;
    return {e};
}

DbConfig DbConfig::from_json(const boost::json::object &db) {
    DbConfig c;
    c.socket = json_string(db, "socket", "");
    c.host = json_string(db, "host", "");
    c.port = json_unsigned(db, "port", c.port);
    c.user = json_string(db, "user", c.user);
    c.password = json_string(db, "password", "");
    c.database = json_string(db, "database", "");
    c.connect_timeout_s = json_unsigned(db, "connect_timeout_s", c.connect_timeout_s);
    c.read_timeout_s = json_unsigned(db, "read_timeout_s", c.read_timeout_s);
    c.write_timeout_s = json_unsigned(db, "write_timeout_s", c.write_timeout_s);
    c.pool_size = json_unsigned(db, "pool_size", static_cast<unsigned>(c.pool_size));
    c.max_txn_attempts = json_unsigned(db, "max_txn_attempts", c.max_txn_attempts);
    c.reconnect_timeout_ms = json_unsigned(db, "reconnect_timeout_ms", c.reconnect_timeout_ms);
    c.acquire_timeout_ms = json_unsigned(db, "acquire_timeout_ms", c.acquire_timeout_ms);
    c.tls_ca = json_string(db, "tls_ca", "");
    if (const auto *hosts = db.if_contains("hosts"); hosts && !hosts->is_null()) {
        if (!hosts->is_array() || hosts->get_array().empty())
            throw sdk::invalid_argument("database.hosts must be a non-empty list of servers");
        for (const auto &h : hosts->get_array()) c.hosts.push_back(endpoint_from_json(h, c.port));
    }
    if (c.socket.empty() && c.host.empty() && c.hosts.empty())
        throw sdk::invalid_argument("database configuration needs a socket, a host or hosts");
    if (c.database.empty()) throw sdk::invalid_argument("database configuration needs a database name");
    if (c.pool_size == 0) c.pool_size = 1;
    if (c.max_txn_attempts == 0) c.max_txn_attempts = 1;
    return c;
}

DbConfig DbConfig::from_module_config(const boost::json::object &module_config, const sdk::Host &host) {
    const boost::json::value *db = module_config.if_contains("database");
    if (db == nullptr || !db->is_object())
        throw sdk::unavailable("the host configuration gives this module no \"database\" settings");
    DbConfig c = from_json(db->get_object());
    c.budget = host_connection_budget(host);
    return c;
}

// ---- Row ----

int64_t Row::i64(size_t i) const {
    const auto &cell = cells_.at(i);
    if (!cell) return 0;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(cell->data(), cell->data() + cell->size(), v);
    if (ec != std::errc{}) throw sdk::Error(PLINTH_E_INTERNAL, "column " + std::to_string(i) + " is not an integer");
    return v;
}

double Row::f64(size_t i) const {
    const auto &cell = cells_.at(i);
    return cell ? std::strtod(cell->c_str(), nullptr) : 0.0;
}

const std::string &Row::str(size_t i) const {
    static const std::string empty;
    const auto &cell = cells_.at(i);
    return cell ? *cell : empty;
}

// ---- Connection ----

Connection::Connection(const DbConfig &config, std::atomic<uint64_t> *statement_counter)
    : config_(config), statement_counter_(statement_counter) {
    library_init_once();
    connect();
}

Connection::~Connection() { close(); }

void Connection::close() noexcept {
    // A statement lent out stays alive (its current row readable) until released; its server
    // statement goes with the session.
    for (Statement *s : lent_) s->detach();
    for (auto it = statements_.begin(); it != statements_.end();) {
        if (!it->second->lent_) {
            ++it;
            continue;
        }
        it->second->cached_ = false;
        uncached_.push_back(std::move(it->second)); // acquire() reserved room for every lent one
        it = statements_.erase(it);
    }
    statements_.clear(); // closes every MYSQL_STMT before its connection
    if (mysql_) mysql_close(mysql_);
    mysql_ = nullptr;
    galera_ = -1;
}

// Tries the endpoints in order, starting where this module's connections last succeeded (or,
// after a loss, at the next one); backs off once every endpoint has failed in a round.
void Connection::connect() {
    const std::vector<Endpoint> endpoints = config_.endpoints();
    const size_t n = endpoints.size();
    size_t start = config_.failover ? config_.failover->current.load(std::memory_order_relaxed) % n : 0;
    if (moving_on_ && n > 1 && start == endpoint_) start = (endpoint_ + 1) % n;
    moving_on_ = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.reconnect_timeout_ms);
    for (unsigned attempt = 0;; ++attempt) {
        size_t index = (start + attempt) % n;
        try {
            connect_once(endpoints[index]);
            endpoint_ = index;
            if (config_.failover) config_.failover->current.store(index, std::memory_order_relaxed);
            return;
        } catch (const DbError &e) {
            auto now = std::chrono::steady_clock::now();
            if (!is_transient_connect_error(e.code()) || now >= deadline) {
                if (n == 1) throw;
                throw DbError(e.code(), std::string(e.what()) + " (" + endpoints[index].describe() + ", the last of " +
                                            std::to_string(n) + " hosts tried)");
            }
            // The server is full: this process's idle sessions are worth more to it than to us
            // (and to other processes of ours waiting the same way).
            if (config_.budget && is_server_full(e.code())) config_.budget->shed_idle();
            if ((attempt + 1) % n == 0)
                std::this_thread::sleep_until(std::min(deadline, now + reconnect_delay(static_cast<unsigned>(attempt / n))));
        }
    }
}

void Connection::connect_once(const Endpoint &endpoint) {
    mysql_ = mysql_init(nullptr);
    if (!mysql_) throw DbError(CR_OUT_OF_MEMORY, "mysql_init failed");
    // Auto-reconnect would silently drop session state (transactions, locks); reconnection is
    // explicit and re-prepares statements, so MYSQL_OPT_RECONNECT stays off.
    my_bool no = 0;
    mysql_optionsv(mysql_, MYSQL_OPT_RECONNECT, &no);
    mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &config_.connect_timeout_s);
    mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &config_.read_timeout_s);
    mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &config_.write_timeout_s);
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char *host = nullptr;
    const char *socket = nullptr;
    if (!endpoint.socket.empty()) {
        unsigned protocol = MYSQL_PROTOCOL_SOCKET;
        mysql_optionsv(mysql_, MYSQL_OPT_PROTOCOL, &protocol);
        socket = endpoint.socket.c_str();
    } else {
        host = endpoint.host.c_str();
        my_bool verify = 1;
        mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &verify);
        mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
        if (!config_.tls_ca.empty()) mysql_optionsv(mysql_, MYSQL_OPT_SSL_CA, config_.tls_ca.c_str());
    }
    if (!mysql_real_connect(mysql_, host, config_.user.c_str(), config_.password.c_str(),
                            config_.database.c_str(), endpoint.port, socket, CLIENT_FOUND_ROWS)) {
        unsigned code = mysql_errno(mysql_);
        std::string message = mysql_error(mysql_);
        mysql_close(mysql_);
        mysql_ = nullptr;
        throw DbError(code, message);
    }
}

void Connection::reconnect() {
    close();
    moving_on_ = true; // a lost or unready node: try the next one first
    connect();
}

void Connection::fail(unsigned code, const char *message) {
    std::string text = message ? message : "";
    // A statement handle can report 0 after the connection itself failed (seen under Galera
    // certification conflicts): take the connection's error then, never "database error 0".
    if (code == 0 && mysql_) {
        code = mysql_errno(mysql_);
        text = mysql_error(mysql_);
    }
    if (code == 0) {
        code = CR_UNKNOWN_ERROR;
        text = "the server reported a failure without an error code";
    }
    if (is_connection_lost(code) || is_node_unready(code, text)) close(); // reconnect cleanly (unready: to another node)
    throw DbError(code, text);
}

void Connection::set_session(std::string_view sql) {
    if (!mysql_) reconnect();
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail(mysql_errno(mysql_), mysql_error(mysql_));
    if (MYSQL_RES *res = mysql_store_result(mysql_)) mysql_free_result(res);
}

bool Connection::galera() {
    if (!mysql_) reconnect();
    if (galera_ >= 0) return galera_ == 1;
    // A server without Galera support has no such variable (1193): not a cluster node.
    galera_ = 0;
    constexpr std::string_view probe = "SELECT @@wsrep_on, @@SESSION.wsrep_sync_wait";
    if (mysql_real_query(mysql_, probe.data(), probe.size()) == 0) {
        if (MYSQL_RES *res = mysql_store_result(mysql_)) {
            if (MYSQL_ROW row = mysql_fetch_row(res); row && row[0] && row[1]) {
                galera_ = std::string_view(row[0]) == "1" ? 1 : 0;
                sync_wait_ = row[1];
            }
            mysql_free_result(res);
        }
    } else if (mysql_errno(mysql_) != 1193) { // 1193: no such variable, a server without Galera
        // Anything else is the session's state, not an answer: a lost connection, or a
        // transaction another node's write aborted (1213), which must reach the caller. Taken as
        // "not Galera", the abort went unseen and later statements ran outside any transaction.
        galera_ = -1;
        fail(mysql_errno(mysql_), mysql_error(mysql_));
    }
    return galera_ == 1;
}

// ---- CausalReads ----

CausalReads::CausalReads(Connection &c) {
    if (!c.galera()) return;
    c.set_session("SET SESSION wsrep_sync_wait = 1");
    c_ = &c;
}

CausalReads::~CausalReads() {
    if (c_ == nullptr || c_->broken()) return;
    try {
        // sync_wait_ holds digits only: it came from the server as an integer.
        c_->set_session("SET SESSION wsrep_sync_wait = " + (c_->sync_wait_.empty() ? std::string("0") : c_->sync_wait_));
    } catch (...) {
        c_->close(); // never hand on a session that still waits on every read
    }
}

void Connection::execute_trusted(std::string_view sql) {
    if (!mysql_) reconnect();
    statement_counter_->fetch_add(1, std::memory_order_relaxed);
    ++statements_sent_;
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail(mysql_errno(mysql_), mysql_error(mysql_));
    // Drain any result so the connection stays usable (e.g. SELECT GET_LOCK()).
    do {
        if (MYSQL_RES *res = mysql_store_result(mysql_)) mysql_free_result(res);
    } while (mysql_next_result(mysql_) == 0);
}

void Connection::rollback() noexcept {
    if (!mysql_) return;
    if (mysql_real_query(mysql_, "ROLLBACK", 8) != 0) close();
}

Statement &Connection::acquire(std::string_view sql) {
    if (!mysql_) reconnect();
    // Room reserved now, so that recording the loan below, and close() moving lent statements
    // out of the cache, cannot throw.
    lent_.reserve(lent_.size() + 1);
    uncached_.reserve(uncached_.size() + lent_.size() + 1);
    Statement *s = nullptr;
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        auto fresh = std::make_unique<Statement>(*this, sql);
        s = fresh.get();
        statements_.emplace(std::string(sql), std::move(fresh));
    } else if (!it->second->lent_) {
        s = it->second.get();
    } else {
        auto second = std::make_unique<Statement>(*this, sql);
        second->cached_ = false;
        s = second.get();
        uncached_.push_back(std::move(second));
    }
    s->lent_ = true;
    lent_.push_back(s);
    return *s;
}

void Connection::release(Statement &s) noexcept {
    if (!s.lent_) return;
    s.reset(true);
    s.owner = nullptr;
    s.lent_ = false;
    // Usually the last one lent.
    for (size_t i = lent_.size(); i-- > 0;) {
        if (lent_[i] == &s) {
            lent_.erase(lent_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
    }
    if (s.cached_) {
        s.shrink();
        return;
    }
    std::erase_if(uncached_, [&](const std::unique_ptr<Statement> &p) { return p.get() == &s; });
}

void Connection::release_all() noexcept {
    while (!lent_.empty()) release(*lent_.back());
}

Rows Connection::query(std::string_view sql, std::initializer_list<Param> params) {
    return run(sql, params.begin(), params.size(), true, nullptr);
}
Rows Connection::query(std::string_view sql, const std::vector<Param> &params) {
    return run(sql, params.data(), params.size(), true, nullptr);
}
uint64_t Connection::execute(std::string_view sql, std::initializer_list<Param> params) {
    uint64_t affected = 0;
    run(sql, params.begin(), params.size(), false, &affected);
    return affected;
}
uint64_t Connection::execute(std::string_view sql, const std::vector<Param> &params) {
    uint64_t affected = 0;
    run(sql, params.data(), params.size(), false, &affected);
    return affected;
}

Rows Connection::run(std::string_view sql, const Param *params, size_t count, bool want_rows, uint64_t *affected) {
    Statement &s = acquire(sql);
    struct Loan {
        Connection &c;
        Statement &s;
        ~Loan() { c.release(s); }
    } loan{*this, s};
    if (count != s.parameter_count())
        throw sdk::Error(PLINTH_E_INTERNAL, "statement expects " + std::to_string(s.parameter_count()) +
                                                " parameters, got " + std::to_string(count));
    for (unsigned i = 0; i < count; ++i) {
        const Param &p = params[i];
        switch (p.kind()) {
        case Param::Kind::null: s.bind_null(i); break;
        case Param::Kind::integer: s.bind_int64(i, p.integer()); break;
        case Param::Kind::real: s.bind_double(i, p.real()); break;
        case Param::Kind::text:
        case Param::Kind::blob: s.bind_bytes(i, p.text().data(), p.text().size(), p.kind() == Param::Kind::blob); break;
        }
    }
    s.execute();
    Rows rows;
    if (s.column_count() == 0) {
        if (affected) *affected = s.affected_rows();
        return rows;
    }
    while (s.fetch()) {
        if (!want_rows) continue;
        std::vector<std::optional<std::string>> cells(s.column_count());
        for (unsigned i = 0; i < s.column_count(); ++i)
            if (!s.is_null(i)) cells[i].emplace(s.bytes(i));
        rows.emplace_back(std::move(cells));
    }
    if (affected) *affected = s.affected_rows();
    return rows;
}

// ---- Pool ----

Pool::Pool(DbConfig config) : config_(std::move(config)), budget_(config_.budget) {
    library_init_once();
    if (budget_) reclaimer_ = budget_->add_reclaimer(this, &Pool::reclaim_idle);
}

Pool::~Pool() {
    if (budget_ && reclaimer_ != 0) budget_->remove_reclaimer(reclaimer_);
    std::vector<std::unique_ptr<Connection>> idle;
    {
        sdk::MutexLock lock(mutex_);
        idle.swap(idle_);
    }
    for (auto &c : idle) {
        c.reset();
        if (budget_) budget_->release();
    }
}

int32_t Pool::reclaim_idle(void *context) noexcept {
    auto *pool = static_cast<Pool *>(context);
    std::unique_ptr<Connection> oldest;
    {
        sdk::MutexLock lock(pool->mutex_);
        if (pool->idle_.empty()) return 0;
        oldest = std::move(pool->idle_.front());
        pool->idle_.erase(pool->idle_.begin());
        --pool->open_;
    }
    oldest.reset(); // closes the server connection before its slot is handed on
    pool->budget_->release();
    return 1;
}

Pool::Lease::~Lease() {
    if (pool_ && connection_) pool_->give_back(std::move(connection_));
}

Pool::Lease Pool::acquire() {
    sdk::MutexLock lock(mutex_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.acquire_timeout_ms);
    for (;;) {
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(c));
        }
        if (open_ < config_.pool_size) {
            ++open_;
            lock.unlock();
            bool slot = false;
            try {
                if (budget_) {
                    slot = budget_->acquire(deadline);
                    if (!slot)
                        throw sdk::unavailable("all " + std::to_string(budget_->limit()) +
                                               " database connections of this process are in use "
                                               "(database.connection_budget); none came free within " +
                                               std::to_string(config_.acquire_timeout_ms) + " ms");
                }
                return Lease(this, std::make_unique<Connection>(config_, &statements_));
            } catch (...) {
                if (slot) budget_->release();
                lock.lock();
                --open_;
                idle_cv_.notify_one();
                throw;
            }
        }
        ++waiting_;
        auto status = idle_cv_.wait_until(lock.native(), deadline);
        --waiting_;
        if (status == std::cv_status::timeout && idle_.empty() && open_ >= config_.pool_size)
            throw sdk::unavailable("all " + std::to_string(config_.pool_size) +
                                   " database connections of this process are in use (database.connection_budget); "
                                   "none came free within " + std::to_string(config_.acquire_timeout_ms) + " ms");
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    std::unique_ptr<Connection> closing;
    {
        sdk::MutexLock lock(mutex_);
        // A connection nobody in this pool waits for goes back to the process budget when another
        // pool waits for a slot, rather than idling here.
        bool wanted_elsewhere = budget_ && waiting_ == 0 && budget_->contended();
        if (c->broken() || wanted_elsewhere) {
            --open_; // the next acquire opens a fresh one
            closing = std::move(c);
        } else {
            idle_.push_back(std::move(c));
        }
        idle_cv_.notify_one();
    }
    if (closing) {
        closing.reset();
        if (budget_) budget_->release();
    }
}

void Pool::backoff(unsigned attempt) {
    retries_.fetch_add(1, std::memory_order_relaxed);
    // Full jitter: sleep uniformly in [0, min(cap, base * 2^attempt)] so retrying peers spread out.
    thread_local std::minstd_rand rng{std::random_device{}()};
    unsigned ceiling_ms = std::min(200u, 2u << std::min(attempt, 7u));
    std::uniform_int_distribution<unsigned> pick(1, ceiling_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
}

} // namespace plinth::storage
