// One prepared statement and the buffers it reuses across executions (statement.hpp).
#include <plinth/storage/statement.hpp>

#include <plinth/storage/database.hpp>

#include <mysql.h>
#include <errmsg.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

using plinth::storage::DbError;

// A bound parameter's value. The MYSQL_BIND that points at it sits in param_binds_ (the client
// library wants them contiguous).
struct plinth_db_statement::Param {
    long long integer = 0;
    double real = 0;
    std::string bytes; // text and blob values; its capacity is kept for the next execution
    unsigned long length = 0;
    bool bound = false;
};

// A result column's buffers for the current row.
struct plinth_db_statement::Column {
    bool integer = false;     // an integer type, fetched natively into `number`
    bool is_unsigned = false;
    long long number = 0;
    std::string buffer;       // the bytes of any other type; size() is the capacity bound
    unsigned long length = 0; // the value's whole length, even when it did not fit
    my_bool null = 0;
    my_bool error = 0;
    mutable char digits[24] = {}; // `number` as text, when a caller asks for an integer's bytes
};

namespace {

// Values up to this long are fetched in one go; a longer one is re-read whole once and the
// buffer keeps that size for the rows after it.
constexpr size_t kInitialValueCapacity = 64;
// Buffers larger than this are given back when the statement is released, so one large value
// does not stay pinned in the cache of every connection that once read it.
constexpr size_t kRetainedValueCapacity = 64 * 1024;

bool is_integer_type(enum_field_types type) {
    switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
        return true;
    default:
        return false;
    }
}

} // namespace

plinth_db_statement::plinth_db_statement(plinth::storage::Connection &connection, std::string_view sql)
    : connection_(&connection) {
    stmt_ = mysql_stmt_init(connection.mysql_);
    if (stmt_ == nullptr) connection.fail(CR_OUT_OF_MEMORY, "mysql_stmt_init failed");
    if (mysql_stmt_prepare(stmt_, sql.data(), sql.size()) != 0) {
        unsigned code = mysql_stmt_errno(stmt_);
        std::string message = mysql_stmt_error(stmt_);
        mysql_stmt_close(stmt_);
        stmt_ = nullptr;
        connection.fail(code, message.c_str());
    }
    parameter_count_ = mysql_stmt_param_count(stmt_);
    params_.resize(parameter_count_);
    param_binds_.resize(parameter_count_);
    for (MYSQL_BIND &b : param_binds_) std::memset(&b, 0, sizeof b);
    describe_columns();
}

plinth_db_statement::~plinth_db_statement() {
    if (stmt_ != nullptr) mysql_stmt_close(stmt_);
}

void plinth_db_statement::describe_columns() {
    column_count_ = mysql_stmt_field_count(stmt_);
    columns_.assign(column_count_, Column{});
    result_binds_.resize(column_count_);
    for (unsigned i = 0; i < column_count_; ++i) {
        Column &c = columns_[i];
        const MYSQL_FIELD &field = stmt_->fields[i];
        c.integer = is_integer_type(field.type);
        c.is_unsigned = (field.flags & UNSIGNED_FLAG) != 0;
        if (!c.integer) c.buffer.resize(kInitialValueCapacity);
    }
    results_changed_ = true;
}

bool plinth_db_statement::columns_match_server() const {
    if (stmt_->field_count != column_count_) return false;
    for (unsigned i = 0; i < column_count_; ++i) {
        const MYSQL_FIELD &field = stmt_->fields[i];
        if (columns_[i].integer != is_integer_type(field.type) ||
            columns_[i].is_unsigned != ((field.flags & UNSIGNED_FLAG) != 0))
            return false;
    }
    return true;
}

void plinth_db_statement::bind_results() {
    for (unsigned i = 0; i < column_count_; ++i) {
        Column &c = columns_[i];
        MYSQL_BIND &b = result_binds_[i];
        std::memset(&b, 0, sizeof b);
        if (c.integer) {
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &c.number;
            b.is_unsigned = c.is_unsigned;
        } else {
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = c.buffer.data();
            b.buffer_length = c.buffer.size();
        }
        b.length = &c.length;
        b.is_null = &c.null;
        b.error = &c.error;
    }
    if (column_count_ > 0 && mysql_stmt_bind_result(stmt_, result_binds_.data()) != 0) fail_from_client();
    results_changed_ = false;
}

// ---- binds

namespace {

void point(MYSQL_BIND &b, enum_field_types type, void *buffer, unsigned long *length, bool &changed) {
    if (b.buffer_type != type || b.buffer != buffer) {
        b.buffer_type = type;
        b.buffer = buffer;
        b.length = length;
        changed = true;
    }
}

} // namespace

void plinth_db_statement::bind_null(unsigned index) {
    if (executed_) reset(false);
    params_[index].bound = true;
    point(param_binds_[index], MYSQL_TYPE_NULL, nullptr, nullptr, params_changed_);
}

void plinth_db_statement::bind_int64(unsigned index, int64_t value) {
    if (executed_) reset(false);
    Param &p = params_[index];
    p.integer = value;
    p.bound = true;
    point(param_binds_[index], MYSQL_TYPE_LONGLONG, &p.integer, nullptr, params_changed_);
}

void plinth_db_statement::bind_double(unsigned index, double value) {
    if (executed_) reset(false);
    Param &p = params_[index];
    p.real = value;
    p.bound = true;
    point(param_binds_[index], MYSQL_TYPE_DOUBLE, &p.real, nullptr, params_changed_);
}

void plinth_db_statement::bind_bytes(unsigned index, const void *data, size_t size, bool blob) {
    if (executed_) reset(false);
    Param &p = params_[index];
    p.bytes.assign(static_cast<const char *>(data), size);
    p.length = static_cast<unsigned long>(size);
    p.bound = true;
    point(param_binds_[index], blob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING, p.bytes.data(), &p.length, params_changed_);
}

unsigned plinth_db_statement::first_unbound() const {
    for (unsigned i = 0; i < parameter_count_; ++i)
        if (!params_[i].bound) return i;
    return parameter_count_;
}

// ---- execution

void plinth_db_statement::fail_from_client() {
    unsigned code = mysql_stmt_errno(stmt_);
    std::string message = mysql_stmt_error(stmt_);
    connection_->fail(code, message.c_str());
}

void plinth_db_statement::execute() {
    if (stmt_ == nullptr) throw DbError(CR_SERVER_LOST, "the connection this statement was prepared on was lost");
    if (executed_) reset(false);
    // The client library keeps the binds: hand them over again only when a buffer moved or a
    // type changed, not for every new value.
    if (params_changed_ && parameter_count_ > 0) {
        if (mysql_stmt_bind_param(stmt_, param_binds_.data()) != 0) fail_from_client();
        params_changed_ = false;
    }
    connection_->count_statement();
    if (mysql_stmt_execute(stmt_) != 0) fail_from_client();
    executed_ = true;
    // The server re-prepares a statement whose tables changed; its columns may have too.
    if (!columns_match_server()) describe_columns();
    if (column_count_ == 0) {
        affected_ = mysql_stmt_affected_rows(stmt_);
        insert_id_ = connection_->last_insert_id_ = mysql_stmt_insert_id(stmt_);
        return;
    }
    if (results_changed_) bind_results();
    // The whole result comes over now, so the connection is free for other statements while
    // these rows are read. A failure half-way would leave the rest pending on the connection
    // ("commands out of sync" for its next user): such a connection is closed, not pooled.
    if (mysql_stmt_store_result(stmt_) != 0) {
        try {
            fail_from_client();
        } catch (...) {
            connection_->close();
            throw;
        }
    }
    result_pending_ = true;
    affected_ = mysql_stmt_num_rows(stmt_);
    insert_id_ = connection_->last_insert_id_;
}

bool plinth_db_statement::fetch() {
    has_row_ = false;
    if (rows_lost_) throw DbError(CR_SERVER_LOST, "the connection was lost before every row of the result was read");
    if (!result_pending_ || stmt_ == nullptr) return false;
    if (results_changed_) bind_results();
    int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) {
        mysql_stmt_free_result(stmt_);
        result_pending_ = false;
        return false;
    }
    if (rc == 1) fail_from_client();
    for (unsigned i = 0; i < column_count_; ++i) {
        const Column &c = columns_[i];
        if (!c.integer && !c.null && c.length > c.buffer.size()) refetch_long_value(i);
    }
    has_row_ = true;
    return true;
}

void plinth_db_statement::refetch_long_value(unsigned index) {
    Column &c = columns_[index];
    c.buffer.resize(std::max<size_t>(c.length, 2 * c.buffer.size()));
    MYSQL_BIND b;
    std::memset(&b, 0, sizeof b);
    unsigned long got = 0;
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = c.buffer.data();
    b.buffer_length = c.buffer.size();
    b.length = &got;
    if (mysql_stmt_fetch_column(stmt_, &b, index, 0) != 0) fail_from_client();
    results_changed_ = true; // later rows land in the larger buffer
}

void plinth_db_statement::reset(bool unbind) noexcept {
    if (result_pending_ && stmt_ != nullptr) mysql_stmt_free_result(stmt_);
    result_pending_ = false;
    rows_lost_ = false;
    has_row_ = false;
    executed_ = false;
    affected_ = insert_id_ = 0;
    if (unbind)
        for (Param &p : params_) p.bound = false;
}

void plinth_db_statement::detach() noexcept {
    if (stmt_ != nullptr) mysql_stmt_close(stmt_);
    stmt_ = nullptr;
    rows_lost_ = result_pending_;
    result_pending_ = false;
}

void plinth_db_statement::shrink() noexcept {
    for (Param &p : params_)
        if (p.bytes.capacity() > kRetainedValueCapacity) std::string().swap(p.bytes);
    for (Column &c : columns_) {
        if (c.buffer.size() > kRetainedValueCapacity) {
            std::string(kInitialValueCapacity, '\0').swap(c.buffer);
            results_changed_ = true;
        }
    }
}

// ---- reads

bool plinth_db_statement::is_null(unsigned index) const { return columns_[index].null != 0; }

std::string_view plinth_db_statement::bytes(unsigned index) const {
    const Column &c = columns_[index];
    if (c.null) return {};
    if (!c.integer) return {c.buffer.data(), c.length};
    char *end = c.is_unsigned
                    ? std::to_chars(c.digits, c.digits + sizeof c.digits, static_cast<unsigned long long>(c.number)).ptr
                    : std::to_chars(c.digits, c.digits + sizeof c.digits, c.number).ptr;
    return {c.digits, static_cast<size_t>(end - c.digits)};
}

bool plinth_db_statement::read_int64(unsigned index, int64_t &value) const {
    const Column &c = columns_[index];
    if (c.null) {
        value = 0;
        return true;
    }
    if (c.integer) {
        if (c.is_unsigned && c.number < 0) return false; // above INT64_MAX
        value = c.number;
        return true;
    }
    int64_t v = 0;
    const char *begin = c.buffer.data(), *end = begin + c.length;
    auto [stop, ec] = std::from_chars(begin, end, v);
    if (ec != std::errc{} || stop != end) return false;
    value = v;
    return true;
}

bool plinth_db_statement::read_double(unsigned index, double &value) const {
    const Column &c = columns_[index];
    if (c.null) {
        value = 0;
        return true;
    }
    if (c.integer) {
        value = c.is_unsigned ? static_cast<double>(static_cast<unsigned long long>(c.number))
                              : static_cast<double>(c.number);
        return true;
    }
    if (c.length == 0) return false;
    // strtod wants a terminated string; numbers are short, anything longer is not one.
    char text[128];
    if (c.length >= sizeof text) return false;
    std::memcpy(text, c.buffer.data(), c.length);
    text[c.length] = '\0';
    char *stop = nullptr;
    double v = std::strtod(text, &stop);
    if (stop != text + c.length) return false;
    value = v;
    return true;
}
