// plinth/storage/statement.hpp — one prepared statement of a host Connection, with the bind and
// result buffers it reuses from one execution to the next.
//
// This is also the handle plinth.db/1 hands a module (db.h's opaque plinth_db_statement): a
// module's `prepare` lends it the statement its connection has cached for that SQL text, so the
// statement path allocates nothing in the steady state. Every value is copied once: the client
// library fetches a row into these buffers (integers natively, everything else as bytes), and
// column reads are views into them, valid until the next fetch, reset or release (db.h).
//
// A statement is lent to one user at a time (Connection::acquire / release). When the same SQL
// runs again while the cached statement is lent out (a nested query over the same connection),
// the connection prepares a second one for that use, so a row being read is never overwritten.
//
// Not thread-safe: it belongs to its Connection, which one thread uses at a time.
#pragma once

#include <plinth/services/db.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct st_mysql_stmt;
struct st_mysql_bind;

namespace plinth::storage {
class Connection;
}

struct plinth_db_statement {
public:
    // Prepares `sql` on `connection` (throws DbError through the connection on failure).
    plinth_db_statement(plinth::storage::Connection &connection, std::string_view sql);
    ~plinth_db_statement();
    plinth_db_statement(const plinth_db_statement &) = delete;
    plinth_db_statement &operator=(const plinth_db_statement &) = delete;

    unsigned parameter_count() const { return parameter_count_; }
    // Columns of the result (0 for a statement that returns no rows).
    unsigned column_count() const { return column_count_; }

    // Bind parameter `index` (< parameter_count()); bytes are copied. A bind after execute()
    // ends the result first; the other bound values stay.
    void bind_null(unsigned index);
    void bind_int64(unsigned index, int64_t value);
    void bind_double(unsigned index, double value);
    void bind_bytes(unsigned index, const void *data, size_t size, bool blob);
    // 0-based index of the first parameter not bound, or parameter_count() when all are.
    unsigned first_unbound() const;

    // Runs the statement with the bound values (REQUIRES: every parameter bound). A result is
    // read whole into the client library's buffer, so other statements may run on the
    // connection while its rows are fetched. Throws DbError.
    void execute();
    // Moves to the next row of the result: false when there is none (the result is then freed).
    bool fetch();
    bool executed() const { return executed_; }
    bool has_row() const { return has_row_; }
    uint64_t affected_rows() const { return affected_; }
    uint64_t insert_id() const { return insert_id_; }

    // Reads of column `index` (< column_count()) of the current row (REQUIRES: has_row()).
    bool is_null(unsigned index) const;
    // The bytes as the server sent them; integers are formatted. Valid until the next fetch,
    // reset or release.
    std::string_view bytes(unsigned index) const;
    // False when the value is not an integer (NULL reads as 0).
    bool read_int64(unsigned index, int64_t &value) const;
    // False when the value is not a number (NULL reads as 0).
    bool read_double(unsigned index, double &value) const;

    // Ends the result and, with `unbind`, forgets the bound values (parameters must be bound again).
    void reset(bool unbind) noexcept;

    // The module-side connection this statement is lent to (plinth.db/1); null when lent to the
    // host's own C++ calls or not lent.
    plinth_db_connection *owner = nullptr;

private:
    friend class plinth::storage::Connection;
    struct Param;
    struct Column;

    // The statement's layout as the server last described it.
    void describe_columns();
    bool columns_match_server() const;
    void bind_results();
    // Re-reads a value longer than its buffer whole, growing the buffer for the rows to come.
    void refetch_long_value(unsigned index);
    // The connection closed under a lent statement: the server statement is gone, the current
    // row stays readable until release.
    void detach() noexcept;
    // Returns buffers a large value grew to, so an idle cached statement stays small.
    void shrink() noexcept;
    [[noreturn]] void fail_from_client();

    plinth::storage::Connection *connection_;
    st_mysql_stmt *stmt_ = nullptr;
    unsigned parameter_count_ = 0;
    unsigned column_count_ = 0;
    std::vector<Param> params_;
    std::vector<st_mysql_bind> param_binds_;
    std::vector<Column> columns_;
    std::vector<st_mysql_bind> result_binds_;
    bool params_changed_ = true;  // param_binds_ differ from what the client library holds
    bool results_changed_ = true; // result_binds_ likewise
    bool executed_ = false;
    bool result_pending_ = false; // a stored result not freed yet
    bool rows_lost_ = false;      // the session closed before the result was read to its end
    bool has_row_ = false;
    bool lent_ = false;           // Connection bookkeeping: someone holds it
    bool cached_ = true;          // false for a second statement of the same SQL, closed on release
    uint64_t affected_ = 0;
    uint64_t insert_id_ = 0;
};

namespace plinth::storage {
using Statement = ::plinth_db_statement;
}
