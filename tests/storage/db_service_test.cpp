// plinth.db/1 (plinth/services/db.h) through its C table and through the C++ wrapper
// (plinth/sdk/db.hpp), against the sandbox: typed binds and reads, bad calls, the retry policy,
// the one budget, migrations. The C module that stores data through it is in example_c_test.cpp.
#include "support/test_host.hpp"

#include <plinth/sdk/db.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace plinth;
namespace db = plinth::sdk::db;

class DbService : public ::testing::Test {
protected:
    void SetUp() override {
        database_ = std::make_unique<test::TestDatabase>("db_service");
        host_ = database_->db_host("db_service_test");
        table_ = static_cast<const plinth_db_v1 *>(host_->get_service(host_, PLINTH_SERVICE_DB));
        ASSERT_NE(table_, nullptr);
        db::Database d{sdk::Host(host_)};
        d.run([](db::Connection &c) {
            c.execute("CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, n BIGINT NULL, d DOUBLE NULL, "
                      "s VARCHAR(200) NULL, b LONGBLOB NULL) ENGINE=InnoDB");
        });
    }

    std::unique_ptr<test::TestDatabase> database_;
    const plinth_host *host_ = nullptr;
    const plinth_db_v1 *table_ = nullptr;
};

// The C calls a C module makes, one by one.
struct TypedRoundTrip {
    const plinth_db_v1 *db = nullptr;
    int64_t id = 0, n = 0;
    double d = 0;
    std::string s, b;
    bool null_seen = false;
    int32_t failed_at = 0;
};

int32_t typed_round_trip(void *context, plinth_db_connection *c, plinth_error *error) {
    auto &t = *static_cast<TypedRoundTrip *>(context);
    const plinth_db_v1 *db = t.db;
    plinth_db_statement *s = nullptr;
    const char insert[] = "INSERT INTO t (n, d, s, b) VALUES (?, ?, ?, ?)";
    const char blob[] = {'a', '\0', 'b', '\xff'};
    if (int32_t rc = db->prepare(c, {insert, sizeof insert - 1}, &s, error); rc != PLINTH_OK) return rc;
    db->bind_int64(s, 0, INT64_MIN, error);
    db->bind_double(s, 1, 2.5, error);
    db->bind_text(s, 2, {"h\xc3\xa9llo", 6}, error);
    db->bind_blob(s, 3, blob, sizeof blob, error);
    if (db->step(s, error) != PLINTH_DB_DONE) return error->code;
    t.id = static_cast<int64_t>(db->last_insert_id(s));
    EXPECT_EQ(db->affected_rows(s), 1u);
    // Rebinding re-runs the same prepared statement: a row of NULLs.
    for (uint32_t i = 0; i < 4; ++i) db->bind_null(s, i, error);
    if (db->step(s, error) != PLINTH_DB_DONE) return error->code;
    db->finalize(s);

    const char select[] = "SELECT n, d, s, b FROM t WHERE id >= ? ORDER BY id";
    if (int32_t rc = db->prepare(c, {select, sizeof select - 1}, &s, error); rc != PLINTH_OK) return rc;
    db->bind_int64(s, 0, t.id, error);
    EXPECT_EQ(db->step(s, error), PLINTH_DB_ROW);
    EXPECT_EQ(db->column_count(s), 4u);
    plinth_str text{};
    const void *bytes = nullptr;
    size_t size = 0;
    EXPECT_EQ(db->column_int64(s, 0, &t.n, error), PLINTH_OK);
    EXPECT_EQ(db->column_double(s, 1, &t.d, error), PLINTH_OK);
    EXPECT_EQ(db->column_text(s, 2, &text, error), PLINTH_OK);
    t.s.assign(text.data, text.size);
    EXPECT_EQ(db->column_blob(s, 3, &bytes, &size, error), PLINTH_OK);
    t.b.assign(static_cast<const char *>(bytes), size);
    EXPECT_EQ(db->column_is_null(s, 0), 0);
    // Text is not an integer.
    int64_t wrong = 7;
    EXPECT_EQ(db->column_int64(s, 2, &wrong, error), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db->step(s, error), PLINTH_DB_ROW);
    t.null_seen = db->column_is_null(s, 0) == 1 && db->column_is_null(s, 3) == 1;
    int64_t zero = 9;
    EXPECT_EQ(db->column_int64(s, 0, &zero, error), PLINTH_OK);
    EXPECT_EQ(zero, 0);
    EXPECT_EQ(db->step(s, error), PLINTH_DB_DONE);
    EXPECT_EQ(db->column_int64(s, 0, &zero, error), PLINTH_E_INVALID_ARGUMENT) << "no current row after the last";
    db->finalize(s);
    return PLINTH_OK;
}

TEST_F(DbService, TypedBindsAndReadsRoundTripThroughTheCTable) {
    TypedRoundTrip t;
    t.db = table_;
    plinth_error error = sdk::make_error();
    ASSERT_EQ(table_->run(host_, typed_round_trip, &t, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(t.n, INT64_MIN);
    EXPECT_DOUBLE_EQ(t.d, 2.5);
    EXPECT_EQ(t.s, "h\xc3\xa9llo");
    EXPECT_EQ(t.b, std::string("a\0b\xff", 4));
    EXPECT_TRUE(t.null_seen);
}

int32_t misuse(void *context, plinth_db_connection *c, plinth_error *error) {
    auto *db = static_cast<const plinth_db_v1 *>(context);
    plinth_db_statement *s = nullptr;
    const char sql[] = "SELECT COUNT(*) FROM t WHERE id = ? AND s = '?'"; // the quoted '?' is no placeholder
    EXPECT_EQ(db->prepare(c, {sql, 0}, &s, error), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(s, nullptr);
    EXPECT_EQ(db->prepare(c, {sql, sizeof sql - 1}, &s, error), PLINTH_OK);
    EXPECT_EQ(db->bind_int64(s, 1, 1, error), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(error->message, "out of range"), nullptr) << error->message;
    EXPECT_EQ(db->step(s, error), PLINTH_E_INVALID_ARGUMENT) << "parameter 0 was never bound";
    EXPECT_EQ(db->bind_text(s, 0, {nullptr, 3}, error), PLINTH_E_INVALID_ARGUMENT);
    db->finalize(s);
    const char bad[] = "SELEKT nonsense";
    EXPECT_EQ(db->prepare(c, {bad, sizeof bad - 1}, &s, error), PLINTH_E_DATABASE);
    EXPECT_EQ(error->db_errno, 1064);
    return PLINTH_OK; // handles left open are the host's to free
}

TEST_F(DbService, BadCallsFailWithAClearStatusAndChangeNothing) {
    plinth_error error = sdk::make_error();
    EXPECT_EQ(table_->run(host_, misuse, const_cast<plinth_db_v1 *>(table_), &error), PLINTH_OK) << error.message;
    EXPECT_EQ(table_->run(host_, nullptr, nullptr, &error), PLINTH_E_INVALID_ARGUMENT);
    db::Database d{sdk::Host(host_)};
    EXPECT_EQ(d.run([](db::Connection &c) { return c.query("SELECT COUNT(*) FROM t").at(0).i64(0); }), 0);
}

TEST_F(DbService, AFailedRuleRollsBackAndItsExceptionReachesTheCaller) {
    db::Database d{sdk::Host(host_)};
    EXPECT_THROW(d.transaction([](db::Connection &c) {
        c.execute("INSERT INTO t (n) VALUES (?)", {1});
        throw sdk::conflict("the rule says no");
    }),
                 sdk::Error);
    d.run([](db::Connection &c) { c.execute("CREATE UNIQUE INDEX t_n ON t (n)"); });
    d.run([](db::Connection &c) { c.execute("INSERT INTO t (n) VALUES (?)", {5}); });
    try {
        d.transaction([](db::Connection &c) { c.execute("INSERT INTO t (n) VALUES (?)", {5}); });
        FAIL() << "a duplicate key was accepted";
    } catch (const db::DbError &e) {
        EXPECT_TRUE(e.duplicate_key()) << e.what();
    }
    EXPECT_EQ(d.run([](db::Connection &c) { return c.query("SELECT COUNT(*) FROM t").at(0).i64(0); }), 1);
}

// A lock-wait timeout (1205) dooms the attempt: the host rolls back and runs the callback again,
// even when the callback swallowed the error and reported success.
TEST_F(DbService, LockWaitTimeoutIsRetriedEvenWhenTheCallbackSwallowsIt) {
    db::Database d{sdk::Host(host_)};
    d.run([](db::Connection &c) { c.execute("INSERT INTO t (id, n) VALUES (?, ?)", {1, 0}); });
    storage::Connection &blocker = database_->sql();
    blocker.begin();
    blocker.query("SELECT n FROM t WHERE id = ? FOR UPDATE", {1});
    int attempts = 0;
    d.transaction([&](db::Connection &c) {
        ++attempts;
        c.execute("SET SESSION innodb_lock_wait_timeout = 1");
        try {
            c.execute("UPDATE t SET n = n + 1 WHERE id = ?", {1});
        } catch (const db::DbError &e) {
            EXPECT_EQ(e.code(), 1205u) << e.what();
            // Every later statement of the doomed attempt fails at once, without the server.
            EXPECT_THROW(c.query("SELECT 1"), db::DbError);
            blocker.rollback(); // the next attempt gets the row
        }
    });
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(d.run([](db::Connection &c) { return c.query("SELECT n FROM t WHERE id = ?", {1}).at(0).i64(0); }), 1);
}

// Budget 2, both connections held (one by a callback that nests a second): a third caller waits
// for acquire_timeout_ms, then fails with a status that names the budget. A waiter that asked
// with a longer deadline gets the connection as soon as one is given back.
TEST_F(DbService, ExhaustedBudgetWaitsThenFailsCleanly) {
    boost::json::object config = database_->config();
    config["acquire_timeout_ms"] = 300;
    storage::StandaloneDb small(config, "db_service_test", 2);
    db::Database d{sdk::Host(small.host())};
    std::atomic<bool> holding{false}, release{false};
    std::thread holder([&] {
        d.run([&](db::Connection &) {
            d.run([&](db::Connection &) {
                holding = true;
                while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            });
        });
    });
    while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    try {
        d.run([](db::Connection &c) { c.query("SELECT 1"); });
        FAIL() << "a third connection was opened beyond a budget of two";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE);
        EXPECT_NE(std::string(e.what()).find("connection"), std::string::npos) << e.what();
    }
    release = true;
    holder.join();
    EXPECT_EQ(d.run([](db::Connection &c) { return c.query("SELECT 2").at(0).i64(0); }), 2);
}

TEST_F(DbService, MigrationsAreAppliedOnceAndAnEditedOneIsRefused) {
    db::Database d{sdk::Host(host_)};
    const db::Migration first[] = {{"001_init", "CREATE TABLE m (id INT PRIMARY KEY) ENGINE=InnoDB;\n"
                                                "INSERT INTO m VALUES (1);\n"}};
    auto report = d.migrate(first);
    EXPECT_EQ(report.at("applied").as_array().size(), 1u);
    EXPECT_EQ(d.migrate(first).at("applied").as_array().size(), 0u);
    const db::Migration edited[] = {{"001_init", "CREATE TABLE m (id BIGINT PRIMARY KEY) ENGINE=InnoDB;\n"}};
    try {
        d.migrate(edited);
        FAIL() << "an edited migration was accepted";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_CONFLICT);
    }
    const db::Migration unordered[] = {{"002_b", "SELECT 1;\n"}, {"001_a", "SELECT 1;\n"}};
    try {
        d.migrate(unordered);
        FAIL() << "migrations out of order were accepted";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
    }
}

// The statement a callback prepares is the one its connection cached for that text, with buffers
// reused across executions. Running the same SQL again while a row of it is being read (a nested
// loop over one connection) must get a statement of its own: the outer row's views stay intact.
// Values longer than the buffers, in the middle of a result, arrive whole.
struct NestedReads {
    const plinth_db_v1 *db = nullptr;
    std::vector<std::string> outer;              // "s|b" of each outer row
    std::vector<std::vector<std::string>> inner; // the inner pass run at each outer row
    bool views_kept = true;
    bool distinct_handles = true;
};

std::string cell_of(const plinth_db_v1 *db, plinth_db_statement *s, uint32_t i, plinth_error *error) {
    const void *bytes = nullptr;
    size_t size = 0;
    EXPECT_EQ(db->column_blob(s, i, &bytes, &size, error), PLINTH_OK);
    return std::string(static_cast<const char *>(bytes), size);
}

int32_t nested_reads(void *context, plinth_db_connection *c, plinth_error *error) {
    auto &t = *static_cast<NestedReads *>(context);
    const plinth_db_v1 *db = t.db;
    const char sql[] = "SELECT s, b FROM t WHERE id >= ? ORDER BY id";
    plinth_db_statement *outer = nullptr;
    if (int32_t rc = db->prepare(c, {sql, sizeof sql - 1}, &outer, error); rc != PLINTH_OK) return rc;
    db->bind_int64(outer, 0, 0, error);
    int32_t rc = PLINTH_OK;
    while ((rc = db->step(outer, error)) == PLINTH_DB_ROW) {
        plinth_str s_view{};
        const void *b_view = nullptr;
        size_t b_size = 0;
        db->column_text(outer, 0, &s_view, error);
        db->column_blob(outer, 1, &b_view, &b_size, error);
        std::string s(s_view.data, s_view.size), b(static_cast<const char *>(b_view), b_size);
        plinth_db_statement *inner = nullptr;
        if (int32_t irc = db->prepare(c, {sql, sizeof sql - 1}, &inner, error); irc != PLINTH_OK) return irc;
        if (inner == outer) t.distinct_handles = false;
        db->bind_int64(inner, 0, 0, error);
        std::vector<std::string> pass;
        while (db->step(inner, error) == PLINTH_DB_ROW)
            pass.push_back(cell_of(db, inner, 0, error) + "|" + cell_of(db, inner, 1, error));
        db->finalize(inner);
        t.inner.push_back(std::move(pass));
        // The views taken before the inner pass still show this row.
        if (std::string_view(s_view.data, s_view.size) != s ||
            std::string_view(static_cast<const char *>(b_view), b_size) != b)
            t.views_kept = false;
        t.outer.push_back(s + "|" + b);
    }
    db->finalize(outer);
    return rc == PLINTH_DB_DONE ? PLINTH_OK : rc;
}

TEST_F(DbService, TheSameSqlRunNestedOnOneConnectionLeavesTheOuterRowIntact) {
    db::Database d{sdk::Host(host_)};
    std::string big(70000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"short", "0123456789"}, {std::string(150, 'x'), big}, {"tail", std::string("\0\1\2", 3)}};
    d.run([&](db::Connection &c) {
        for (const auto &[s, b] : rows)
            c.execute("INSERT INTO t (s, b) VALUES (?, ?)", {s, db::Param::bytes(b.data(), b.size())});
    });
    std::vector<std::string> expected;
    for (const auto &[s, b] : rows) expected.push_back(s + "|" + b);

    NestedReads t;
    t.db = table_;
    plinth_error error = sdk::make_error();
    ASSERT_EQ(table_->run(host_, nested_reads, &t, &error), PLINTH_OK) << error.message;
    EXPECT_TRUE(t.distinct_handles) << "the nested prepare was lent the statement still being read";
    EXPECT_TRUE(t.views_kept) << "the outer row's views changed under the nested run";
    EXPECT_EQ(t.outer, expected);
    ASSERT_EQ(t.inner.size(), rows.size());
    for (const auto &pass : t.inner) EXPECT_EQ(pass, expected);
    // The same again: the cached statement now starts with the buffers the long values grew
    // (or gave back), and still reads every row whole.
    NestedReads again;
    again.db = table_;
    ASSERT_EQ(table_->run(host_, nested_reads, &again, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(again.outer, expected);
}

// Integer columns are read natively and formatted only when asked for as text; an unsigned
// value above INT64_MAX is not an int64. Preparing the same text after finalize lends the
// cached statement again, with nothing bound; a parameter may change type between executions.
struct Reuse {
    const plinth_db_v1 *db = nullptr;
    plinth_db_statement *first = nullptr, *second = nullptr;
    std::string big_text, small_text;
    int32_t big_as_int64 = PLINTH_OK, unbound_step = PLINTH_OK;
    int64_t small = 0;
    double big_as_double = 0;
    int32_t rows_by_text = 0;
};

int32_t reuse(void *context, plinth_db_connection *c, plinth_error *error) {
    auto &t = *static_cast<Reuse *>(context);
    const plinth_db_v1 *db = t.db;
    const char sql[] = "SELECT id, n FROM u WHERE n = ?";
    plinth_db_statement *s = nullptr;
    if (int32_t rc = db->prepare(c, {sql, sizeof sql - 1}, &s, error); rc != PLINTH_OK) return rc;
    t.first = s;
    db->bind_int64(s, 0, -7, error);
    if (db->step(s, error) != PLINTH_DB_ROW) return error->code;
    int64_t ignored = 0;
    t.big_as_int64 = db->column_int64(s, 0, &ignored, error);
    t.big_text = cell_of(db, s, 0, error);
    t.small_text = cell_of(db, s, 1, error);
    db->column_int64(s, 1, &t.small, error);
    db->column_double(s, 0, &t.big_as_double, error);
    db->finalize(s);

    if (int32_t rc = db->prepare(c, {sql, sizeof sql - 1}, &s, error); rc != PLINTH_OK) return rc;
    t.second = s;
    t.unbound_step = db->step(s, error);
    db->bind_text(s, 0, {"-7", 2}, error);
    while (db->step(s, error) == PLINTH_DB_ROW) ++t.rows_by_text;
    db->finalize(s);
    return PLINTH_OK;
}

TEST_F(DbService, CachedStatementsAreLentAgainAndReadIntegersNatively) {
    db::Database d{sdk::Host(host_)};
    d.run([](db::Connection &c) {
        c.execute("CREATE TABLE u (id BIGINT UNSIGNED PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB");
        c.execute("INSERT INTO u VALUES (18446744073709551615, -7)");
    });
    Reuse t;
    t.db = table_;
    plinth_error error = sdk::make_error();
    ASSERT_EQ(table_->run(host_, reuse, &t, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(t.big_as_int64, PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(t.big_text, "18446744073709551615");
    EXPECT_EQ(t.small_text, "-7");
    EXPECT_EQ(t.small, -7);
    EXPECT_DOUBLE_EQ(t.big_as_double, 18446744073709551615.0);
    EXPECT_EQ(t.first, t.second) << "the cached statement was not lent again";
    EXPECT_EQ(t.unbound_step, PLINTH_E_INVALID_ARGUMENT) << "a value bound by the earlier use leaked into this one";
    EXPECT_EQ(t.rows_by_text, 1);
    // The C++ wrapper reads the same row through the same statement path.
    auto row = d.run([](db::Connection &c) { return c.query("SELECT id, n FROM u WHERE n = ?", {-7}).at(0); });
    EXPECT_EQ(row.str(0), "18446744073709551615");
    EXPECT_EQ(row.i64(1), -7);
}

// The session of a borrowed connection dies while a statement of it is open on a row: the next
// statement fails (and dooms the attempt), the open statement's row stays readable until it is
// finalized, and nothing is read from freed memory (the asan preset runs this too).
struct LostUnderARow {
    const plinth_db_v1 *db = nullptr;
    storage::Connection *killer = nullptr;
    int attempts = 0;
    std::string before, after;
    int32_t next_statement = PLINTH_OK, next_step = PLINTH_OK;
};

int32_t lost_under_a_row(void *context, plinth_db_connection *c, plinth_error *error) {
    auto &t = *static_cast<LostUnderARow *>(context);
    const plinth_db_v1 *db = t.db;
    if (++t.attempts > 1) return PLINTH_OK;
    const char sql[] = "SELECT s, CONNECTION_ID() FROM t WHERE id >= ? ORDER BY id";
    plinth_db_statement *open = nullptr, *next = nullptr;
    if (int32_t rc = db->prepare(c, {sql, sizeof sql - 1}, &open, error); rc != PLINTH_OK) return rc;
    db->bind_int64(open, 0, 0, error);
    if (db->step(open, error) != PLINTH_DB_ROW) return error->code;
    plinth_str view{};
    db->column_text(open, 0, &view, error);
    t.before.assign(view.data, view.size);
    int64_t session = 0;
    db->column_int64(open, 1, &session, error);
    t.killer->execute_trusted("KILL CONNECTION " + std::to_string(session));
    const char other[] = "SELECT COUNT(*) FROM t";
    t.next_statement = db->prepare(c, {other, sizeof other - 1}, &next, error);
    if (t.next_statement == PLINTH_OK) t.next_statement = db->step(next, error);
    db->finalize(next);
    db->column_text(open, 0, &view, error);
    t.after.assign(view.data, view.size);
    t.next_step = db->step(open, error);
    db->finalize(open);
    return t.next_statement;
}

TEST_F(DbService, ASessionLostUnderAnOpenStatementKeepsItsRowUntilFinalize) {
    db::Database d{sdk::Host(host_)};
    d.run([](db::Connection &c) {
        c.execute("INSERT INTO t (s) VALUES (?), (?)", {std::string(100, 'r'), "second"});
    });
    LostUnderARow t;
    t.db = table_;
    t.killer = &database_->sql();
    plinth_error error = sdk::make_error();
    EXPECT_EQ(table_->run(host_, lost_under_a_row, &t, &error), PLINTH_E_DATABASE) << error.message;
    EXPECT_EQ(t.before, std::string(100, 'r'));
    EXPECT_EQ(t.after, t.before) << "the open statement's row changed when its session was lost";
    EXPECT_EQ(t.next_statement, PLINTH_E_DATABASE);
    EXPECT_EQ(t.next_step, PLINTH_E_DATABASE) << "a statement of a lost session stepped on";
    // The pool reconnects: the next callback works.
    EXPECT_EQ(d.run([](db::Connection &c) { return c.query("SELECT COUNT(*) FROM t").at(0).i64(0); }), 2);
}

TEST(DbServiceWithoutDatabase, EveryCallSaysTheDatabaseIsNotConfigured) {
    storage::DbService service(nullptr, nullptr);
    plinth_error error = sdk::make_error();
    auto work = [](void *, plinth_db_connection *, plinth_error *) -> int32_t { return PLINTH_OK; };
    EXPECT_EQ(service.run(work, nullptr, &error, false), PLINTH_E_UNAVAILABLE);
    EXPECT_NE(std::strstr(error.message, "database"), nullptr);
}

} // namespace
