/* plinth/services/db.h — the host's database, handed to modules (plinth.db/1).
 *
 * The host owns the MariaDB connections: one pool per host process with one connection budget
 * (database.connection_budget), reconnection with bounded backoff, TLS for TCP, failover over
 * database.hosts, and the retry policy for transactions. A module borrows a connection for the
 * length of a callback and talks to it only through prepared statements.
 *
 * Rationale: SQLite hands an extension its sqlite3*, PostgreSQL gives extensions SPI. Before this
 * service every module linked its own client library and pool, so a process opened a pool per
 * module and every module repeated the retry, reconnect and migration rules. Only the host links
 * MariaDB Connector/C now; a module written in C gets the same database as one written in C++.
 *
 * Shape, as SQLite's: `prepare` a statement by its SQL text on the borrowed connection (the host
 * caches the server-side statement per connection, so preparing the same text again is a hash
 * lookup), bind parameters by index, `step` through the rows, read typed columns, `finalize`.
 *
 *   static int32_t count_rows(void *ctx, plinth_db_connection *c, plinth_error *error) {
 *       plinth_db_statement *s = NULL;
 *       plinth_str sql = {"SELECT COUNT(*) FROM t WHERE k = ?", 34};
 *       int32_t rc = db->prepare(c, sql, &s, error);
 *       if (rc == PLINTH_OK) rc = db->bind_int64(s, 0, 42, error);
 *       if (rc == PLINTH_OK) rc = db->step(s, error);             // PLINTH_DB_ROW
 *       if (rc == PLINTH_DB_ROW) rc = db->column_int64(s, 0, (int64_t *)ctx, error);
 *       if (s) db->finalize(s);
 *       return rc;
 *   }
 *   rc = db->run(host, count_rows, &n, &error);
 *
 * Retries. `transaction` runs the callback between START TRANSACTION and COMMIT. When a
 * statement fails with a deadlock or a Galera certification failure (1213, at any statement
 * including COMMIT), a lock-wait timeout (1205), a node that is not ready (1047) or a lost
 * connection, the transaction is doomed: every later statement of the attempt fails at once with
 * the same error, and whatever the callback returns the host rolls back and calls it again, up to
 * database.max_txn_attempts (default 8), with jittered backoff. A connection lost during COMMIT
 * is not retried: the server may have committed, so the call fails with PLINTH_E_UNAVAILABLE and
 * db_errno 2013 ("outcome unknown") rather than run the work twice. Any other failure of the
 * callback rolls back and is returned as the callback reported it. The callback must therefore
 * be safe to run again and keep its effects outside the database until the call returns.
 * `run` does the same outside a transaction, retrying only when the callback's first statement
 * failed that way (later statements may already have been applied in autocommit).
 *
 * Added in ABI 1.1. A host that does not offer it returns NULL from get_service.
 */
#ifndef PLINTH_SERVICES_DB_H
#define PLINTH_SERVICES_DB_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_DB[] = "plinth.db/1";

/* `step` results besides the plinth_status codes: a row is ready to be read, or the statement
 * has run to completion (no more rows, or a statement that returns none). */
#define PLINTH_DB_ROW 100
#define PLINTH_DB_DONE 101

/* A connection borrowed from the host's pool for the duration of one `run` or `transaction`
 * callback. Opaque; valid only inside that callback and only on the thread that runs it. */
typedef struct plinth_db_connection plinth_db_connection;

/* A prepared statement on one borrowed connection, with its bound values and current row.
 * Opaque; valid until `finalize` or until the callback that borrowed its connection returns,
 * whichever comes first (the host finalizes what is left). */
typedef struct plinth_db_statement plinth_db_statement;

/* The work a module runs on a borrowed connection. `context` is the module's, passed through.
 * Returns PLINTH_OK or a status (filling `error`, which may be NULL). Must not longjmp or throw
 * out, and must not keep `connection` or its statements past its return. */
typedef int32_t (*plinth_db_work)(void *context, plinth_db_connection *connection, plinth_error *error);

/* One schema migration. `name` orders them ("001_init") and is recorded with the SHA-256 of
 * `sql`; `sql` holds statements separated by ';' at the end of a line ('--' lines are comments).
 * Both are borrowed for the `migrate` call. */
typedef struct plinth_db_migration {
    uint32_t struct_size; /* sizeof(plinth_db_migration); arrays are stepped by the first one's */
    plinth_str name;
    plinth_str sql;
} plinth_db_migration;
PLINTH_PIN_AT(plinth_db_migration, name, 8);
PLINTH_PIN_AT(plinth_db_migration, sql, 24);
PLINTH_PIN_SIZE(plinth_db_migration, 40);

typedef struct plinth_db_v1 {
    uint32_t struct_size;

    /* Borrows a connection (waiting up to database.acquire_timeout_ms, default 5000, when all
     * of the process's connections are in use: then PLINTH_E_UNAVAILABLE naming the budget) and calls
     * `work` on the calling thread, outside a transaction (autocommit). Retries as the header
     * comment says. Returns what `work` returned, or the host's own failure. A callback may call
     * `run` or `transaction` again: that borrows a second connection. [thread-safe] */
    int32_t (*run)(const plinth_host *host, plinth_db_work work, void *context, plinth_error *error);

    /* Like `run`, inside START TRANSACTION ... COMMIT, retried as the header comment says.
     * PLINTH_OK means committed. [thread-safe] */
    int32_t (*transaction)(const plinth_host *host, plinth_db_work work, void *context, plinth_error *error);

    /* Prepares `sql` (borrowed for the call; one statement, '?' placeholders) on `connection`
     * and writes a statement handle to `*statement`, NULL on failure. [callback thread] */
    int32_t (*prepare)(plinth_db_connection *connection, plinth_str sql, plinth_db_statement **statement,
                       plinth_error *error);

    /* Bind the parameter at `index` (the '?' counted from 0). Values are copied: the caller's
     * bytes may be reused when the call returns. Binding after `step` first `reset`s the
     * statement. PLINTH_E_INVALID_ARGUMENT for an index out of range. [callback thread] */
    int32_t (*bind_null)(plinth_db_statement *statement, uint32_t index, plinth_error *error);
    int32_t (*bind_int64)(plinth_db_statement *statement, uint32_t index, int64_t value, plinth_error *error);
    int32_t (*bind_double)(plinth_db_statement *statement, uint32_t index, double value, plinth_error *error);
    int32_t (*bind_text)(plinth_db_statement *statement, uint32_t index, plinth_str value, plinth_error *error);
    int32_t (*bind_blob)(plinth_db_statement *statement, uint32_t index, const void *data, size_t size,
                         plinth_error *error);

    /* The first call executes the statement with every parameter bound (unbound ones are an
     * error); each call then moves to the next row. Returns PLINTH_DB_ROW, PLINTH_DB_DONE, or a
     * status (PLINTH_E_DATABASE with error->db_errno). [callback thread] */
    int32_t (*step)(plinth_db_statement *statement, plinth_error *error);

    /* Columns of the result (0 for a statement that returns no rows). [callback thread] */
    uint32_t (*column_count)(const plinth_db_statement *statement);

    /* 1 when column `index` of the current row is NULL, 0 when not; 0 without a current row. */
    int32_t (*column_is_null)(const plinth_db_statement *statement, uint32_t index);

    /* Typed reads of column `index` of the current row. NULL reads as 0 / 0.0 / empty. A value
     * that is not an integer (a number) fails with PLINTH_E_INVALID_ARGUMENT. Text and blob
     * bytes are the host's: valid until the next `step`, `reset` or `finalize` of the statement;
     * text is UTF-8 as stored, neither is NUL-terminated. [callback thread] */
    int32_t (*column_int64)(const plinth_db_statement *statement, uint32_t index, int64_t *value,
                            plinth_error *error);
    int32_t (*column_double)(const plinth_db_statement *statement, uint32_t index, double *value,
                             plinth_error *error);
    int32_t (*column_text)(const plinth_db_statement *statement, uint32_t index, plinth_str *value,
                           plinth_error *error);
    int32_t (*column_blob)(const plinth_db_statement *statement, uint32_t index, const void **data, size_t *size,
                           plinth_error *error);

    /* After `step` returned PLINTH_DB_DONE for a statement without rows: rows it changed
     * (matched, for UPDATE), and the AUTO_INCREMENT value it generated (0 when none). */
    uint64_t (*affected_rows)(const plinth_db_statement *statement);
    uint64_t (*last_insert_id)(const plinth_db_statement *statement);

    /* Clears bound values and the result, so the statement can be bound and stepped again.
     * [callback thread] */
    void (*reset)(plinth_db_statement *statement);

    /* Releases the handle (the server-side statement stays cached on the connection). NULL is
     * ignored. [callback thread] */
    void (*finalize)(plinth_db_statement *statement);

    /* On a Galera node, `enable` non-zero makes later reads on `connection` wait until they see
     * every write the cluster committed before they began (wsrep_sync_wait = 1): for decisions
     * that depend on another host's write (a revocation, a logout). `enable` 0 restores the
     * session's setting; the host restores it anyway when the callback returns. Does nothing on
     * a server that is not a Galera node. [callback thread] */
    int32_t (*causal_reads)(plinth_db_connection *connection, int32_t enable, plinth_error *error);

    /* Applies the calling module's pending migrations in order: `count` entries of
     * `migrations`, stepped by migrations[0].struct_size. Each applied one is recorded with its
     * SHA-256 in plinth_schema_migrations; one whose text changed since is refused with
     * PLINTH_E_CONFLICT and nothing runs. Safe when several hosts start at once, also on Galera
     * (one host claims the module's migrations with a row only one insert survives; a claim left
     * by a crashed host is taken over once stale). Writes {"module":..,"applied":[..],
     * "current":..} to `report` (may be NULL). [thread-safe] */
    int32_t (*migrate)(const plinth_host *host, const plinth_db_migration *migrations, uint32_t count,
                       const plinth_sink *report, plinth_error *error);
} plinth_db_v1;

PLINTH_PIN_AT(plinth_db_v1, run, 8);
PLINTH_PIN_AT(plinth_db_v1, transaction, 16);
PLINTH_PIN_AT(plinth_db_v1, prepare, 24);
PLINTH_PIN_AT(plinth_db_v1, bind_null, 32);
PLINTH_PIN_AT(plinth_db_v1, bind_int64, 40);
PLINTH_PIN_AT(plinth_db_v1, bind_double, 48);
PLINTH_PIN_AT(plinth_db_v1, bind_text, 56);
PLINTH_PIN_AT(plinth_db_v1, bind_blob, 64);
PLINTH_PIN_AT(plinth_db_v1, step, 72);
PLINTH_PIN_AT(plinth_db_v1, column_count, 80);
PLINTH_PIN_AT(plinth_db_v1, column_is_null, 88);
PLINTH_PIN_AT(plinth_db_v1, column_int64, 96);
PLINTH_PIN_AT(plinth_db_v1, column_double, 104);
PLINTH_PIN_AT(plinth_db_v1, column_text, 112);
PLINTH_PIN_AT(plinth_db_v1, column_blob, 120);
PLINTH_PIN_AT(plinth_db_v1, affected_rows, 128);
PLINTH_PIN_AT(plinth_db_v1, last_insert_id, 136);
PLINTH_PIN_AT(plinth_db_v1, reset, 144);
PLINTH_PIN_AT(plinth_db_v1, finalize, 152);
PLINTH_PIN_AT(plinth_db_v1, causal_reads, 160);
PLINTH_PIN_AT(plinth_db_v1, migrate, 168);
PLINTH_PIN_SIZE(plinth_db_v1, 176);

#ifdef __cplusplus
}
#endif

#endif
