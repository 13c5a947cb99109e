/* plugins/example_c/example.c — a Plinth module in plain C99, with no SDK: a newsletter.
 *
 * It keeps subscribed email addresses in MariaDB through the host's plinth.db/1 service and joins
 * the privacy machinery like any C++ module: commands, data inventory, export, erasure, retention,
 * migrations. JSON is read and written with jansson (docs/writing-a-module.md says why).
 *   add          {"a":INT,"b":INT}  -> {"sum":N}
 *   subscribe    {"email":".."}     -> {"email":..,"subscribed":true}   (anyone; idempotent)
 *   unsubscribe  {"email":".."}     -> {"removed":N}                    (anyone)
 *   subscribers  {}                 -> {"subscribers":[{"id","email","subscribed_at"}]} (staff)
 * Configuration: {"example_c":{"retention_days":N}} (default 1095): a subscription older than
 * that is removed by the retention sweep unless the person subscribes again.
 */
#include <plinth/plinth.h>

#include "example_c_migrations.h" /* generated from sql/example_c/ by CMake */

#include <jansson.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define EXAMPLE_EXPORT __attribute__((visibility("default")))
#else
#define EXAMPLE_EXPORT
#endif

#define CATEGORY "newsletter"
#define SELECT_SUBSCRIPTIONS "SELECT id, email, subscribed_at FROM example_c_subscribers "
static const char *const subscription_columns[] = {"id", "email", "subscribed_at", NULL}; /* typed "iti" */
#define STR(literal) {literal, sizeof literal - 1} /* a plinth_str initializer for a string literal */

typedef struct example_instance {
    plinth_module module; /* first, so the instance pointer is the module pointer */
    const plinth_host *host;
    const plinth_db_v1 *db;
    const plinth_clock_v1 *clock;
    int64_t retention_days;
} example_instance;

static const example_instance *self_of(const plinth_module *m) { return (const example_instance *)m->module_data; }
static plinth_str str_of(const char *text) { plinth_str s; s.data = text; s.size = strlen(text); return s; }

static int32_t fail(plinth_error *error, int32_t code, const char *message) {
    if (error != NULL && error->struct_size >= sizeof(plinth_error)) {
        error->code = code;
        error->db_errno = 0;
        snprintf(error->message, sizeof error->message, "%s", message);
    }
    return code;
}

/* Writes `value` (consumed) to `out` as compact JSON. */
static int32_t emit(const plinth_sink *out, json_t *value, plinth_error *error) {
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    int32_t rc = PLINTH_OK;
    json_decref(value);
    if (text == NULL) return fail(error, PLINTH_E_INTERNAL, "out of memory");
    if (out != NULL && out->write(out->context, text, strlen(text)) != 0) rc = fail(error, PLINTH_E_SINK, "sink refused output");
    free(text);
    return rc;
}

/* One statement through plinth.db/1: binds `args` (a JSON array of strings and integers), runs
 * it, and appends each row to `rows` (when not NULL) as an object named by `names`, typed by
 * `types` ('i' integer, 't' text). */
typedef struct sql_call {
    const example_instance *self;
    const char *sql;
    json_t *args;
    const char *const *names;
    const char *types;
    json_t *rows;
    uint64_t affected;
} sql_call;

static int32_t run_statement(void *context, plinth_db_connection *c, plinth_error *error) {
    sql_call *call = (sql_call *)context;
    const plinth_db_v1 *db = call->self->db;
    plinth_db_statement *s = NULL;
    json_t *v;
    size_t i;
    int32_t rc = db->prepare(c, str_of(call->sql), &s, error);
    json_array_foreach(call->args, i, v) {
        plinth_str text = {json_string_value(v), json_string_length(v)};
        if (rc != PLINTH_OK) break;
        rc = json_is_integer(v) ? db->bind_int64(s, (uint32_t)i, json_integer_value(v), error)
                                : db->bind_text(s, (uint32_t)i, text, error);
    }
    while (rc == PLINTH_OK && (rc = db->step(s, error)) == PLINTH_DB_ROW) {
        json_t *row = json_object();
        for (i = 0; rc == PLINTH_DB_ROW && call->rows != NULL && call->names[i] != NULL; ++i) {
            int64_t number = 0;
            plinth_str text = {NULL, 0};
            int integer = call->types[i] == 'i';
            int32_t got = integer ? db->column_int64(s, (uint32_t)i, &number, error)
                                  : db->column_text(s, (uint32_t)i, &text, error);
            if (got != PLINTH_OK) rc = got;
            else json_object_set_new(row, call->names[i], integer ? json_integer(number) : json_stringn(text.data, text.size));
        }
        if (call->rows != NULL) json_array_append(call->rows, row);
        json_decref(row);
        if (rc != PLINTH_DB_ROW) break;
        rc = PLINTH_OK;
    }
    if (rc == PLINTH_DB_DONE) {
        call->affected = db->affected_rows(s);
        rc = PLINTH_OK;
    }
    db->finalize(s);
    return rc;
}

/* Runs one statement in autocommit; `args` is consumed. */
static int32_t run_sql(sql_call *call, json_t *args, plinth_error *error) {
    int32_t rc;
    call->args = args;
    rc = call->self->db->run(call->self->host, run_statement, call, error);
    json_decref(args);
    return rc;
}

static const char *valid_email(json_t *args) {
    const char *email = json_string_value(json_object_get(args, "email"));
    size_t n = email ? strlen(email) : 0, i;
    if (n < 3 || n > 254 || strchr(email, '@') == NULL) return NULL;
    for (i = 0; i < n; ++i)
        if ((unsigned char)email[i] <= ' ') return NULL;
    return email;
}

static int is_staff(const plinth_call_context *caller) {
    return caller->principal == PLINTH_PRINCIPAL_SYSTEM ||
           (caller->principal == PLINTH_PRINCIPAL_USER && caller->role >= PLINTH_ROLE_STAFF);
}

static int32_t command_list(const plinth_module *m, const plinth_sink *out, plinth_error *error) {
    const char *text =
        "[{\"name\":\"add\",\"summary\":\"Adds two integers\",\"access\":\"anonymous\"},"
        "{\"name\":\"subscribe\",\"summary\":\"Subscribes an address\",\"access\":\"anonymous\"},"
        "{\"name\":\"subscribers\",\"summary\":\"Lists the subscribers\",\"access\":\"staff\"},"
        "{\"name\":\"unsubscribe\",\"summary\":\"Removes an address\",\"access\":\"anonymous\"}]";
    (void)m;
    return emit(out, json_loads(text, 0, NULL), error);
}

static int32_t command_execute(const plinth_module *m, const plinth_call_context *caller, plinth_str name,
                               plinth_str arguments, const plinth_sink *out, plinth_error *error) {
    sql_call call = {self_of(m), NULL, NULL, NULL, NULL, NULL, 0};
    json_t *args = json_loadb(arguments.data, arguments.size, JSON_REJECT_DUPLICATES, NULL);
    int32_t rc = PLINTH_OK;
    const char *email = NULL;
    if (!json_is_object(args)) {
        json_decref(args);
        return fail(error, PLINTH_E_INVALID_ARGUMENT, "arguments must be a JSON object");
    }
    if (name.size == 3 && memcmp(name.data, "add", 3) == 0) {
        json_t *a = json_object_get(args, "a"), *b = json_object_get(args, "b");
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        if (!json_is_integer(a) || !json_is_integer(b))
            rc = fail(error, PLINTH_E_INVALID_ARGUMENT, "arguments 'a' and 'b' must be integers");
        else if ((y > 0 && x > LLONG_MAX - y) || (y < 0 && x < LLONG_MIN - y))
            rc = fail(error, PLINTH_E_INVALID_ARGUMENT, "the sum does not fit in 64 bits");
        else
            rc = emit(out, json_pack("{s:I}", "sum", x + y), error);
    } else if ((name.size == 9 && memcmp(name.data, "subscribe", 9) == 0) ||
               (name.size == 11 && memcmp(name.data, "unsubscribe", 11) == 0)) {
        if ((email = valid_email(args)) == NULL) {
            rc = fail(error, PLINTH_E_INVALID_ARGUMENT, "'email' must be an address of 3 to 254 bytes with an '@'");
        } else if (name.size == 9) { /* subscribe */
            call.sql = "INSERT INTO example_c_subscribers (email, subscribed_at) VALUES (?, ?) "
                       "ON DUPLICATE KEY UPDATE subscribed_at = VALUES(subscribed_at)";
            rc = run_sql(&call, json_pack("[s,I]", email, (json_int_t)(call.self->clock->now_us(call.self->host) / 1000000)), error);
            if (rc == PLINTH_OK) rc = emit(out, json_pack("{s:s,s:b}", "email", email, "subscribed", 1), error);
        } else {
            call.sql = "DELETE FROM example_c_subscribers WHERE email = ?";
            rc = run_sql(&call, json_pack("[s]", email), error);
            if (rc == PLINTH_OK) rc = emit(out, json_pack("{s:I}", "removed", (json_int_t)call.affected), error);
        }
    } else if (name.size == 11 && memcmp(name.data, "subscribers", 11) == 0) {
        if (!is_staff(caller)) {
            rc = fail(error, PLINTH_E_PERMISSION_DENIED, "only staff may list the subscribers");
        } else {
            call.sql = SELECT_SUBSCRIPTIONS "ORDER BY id";
            call.names = subscription_columns;
            call.types = "iti";
            call.rows = json_array();
            rc = run_sql(&call, json_array(), error);
            if (rc == PLINTH_OK) rc = emit(out, json_pack("{s:O}", "subscribers", call.rows), error);
            json_decref(call.rows);
        }
    } else {
        rc = fail(error, PLINTH_E_UNSUPPORTED, "unknown command");
    }
    json_decref(args);
    return rc;
}

/* ---- privacy: inventory, export, erasure, retention ---- */

static int32_t list_categories(const plinth_module *m, const plinth_inventory_sink *out, plinth_error *error) {
    plinth_data_category c = {sizeof c, STR(CATEGORY), STR("email, subscribed_at"),
                              STR("sending the newsletter the person asked for"), STR("consent (Art. 6(1)(a))"),
                              STR("until unsubscribed, or retention_days after the last subscription"), 0, {0}};
    c.retention_days = self_of(m)->retention_days;
    if (out == NULL || out->category(out->context, &c) != 0) return fail(error, PLINTH_E_SINK, "sink refused a category");
    return PLINTH_OK;
}

/* Every subscription of the subject's addresses; erasure reports and deletes each inside one
 * transaction, as plinth/ext/personal_data.h asks. */
typedef struct subject_work {
    const example_instance *self;
    const plinth_subject *subject;
    const plinth_export_sink *export_to;
    const plinth_erasure_sink *erase_to;
    int32_t dry_run;
} subject_work;

static int32_t subject_rows(void *context, plinth_db_connection *c, plinth_error *error) {
    subject_work *w = (subject_work *)context;
    size_t e, i;
    int32_t rc = PLINTH_OK;
    for (e = 0; rc == PLINTH_OK && e < w->subject->email_count; ++e) {
        sql_call call = {w->self, w->erase_to ? SELECT_SUBSCRIPTIONS "WHERE email = ? FOR UPDATE"
                                              : SELECT_SUBSCRIPTIONS "WHERE email = ?", NULL, subscription_columns, "iti", NULL, 0};
        json_t *row;
        call.rows = json_array();
        call.args = json_pack("[s%]", w->subject->emails[e].data ? w->subject->emails[e].data : "", w->subject->emails[e].size);
        rc = run_statement(&call, c, error);
        json_decref(call.args);
        json_array_foreach(call.rows, i, row) {
            char *text = json_dumps(row, JSON_COMPACT);
            char item[64];
            int refused;
            plinth_erasure_item outcome = {sizeof outcome, STR(CATEGORY), {0}, PLINTH_ERASURE_REMOVED, {0}, 0};
            if (rc != PLINTH_OK || text == NULL) { free(text); rc = rc ? rc : PLINTH_E_INTERNAL; break; }
            snprintf(item, sizeof item, "subscription %lld", (long long)json_integer_value(json_object_get(row, "id")));
            outcome.item = str_of(item);
            refused = w->erase_to ? w->erase_to->item(w->erase_to->context, &outcome)
                                  : w->export_to->item(w->export_to->context, str_of(CATEGORY), str_of(text));
            free(text);
            if (refused) rc = fail(error, PLINTH_E_SINK, "the sink refused an item");
            if (rc == PLINTH_OK && w->erase_to && !w->dry_run) {
                sql_call del = {w->self, "DELETE FROM example_c_subscribers WHERE id = ?", NULL, NULL, NULL, NULL, 0};
                del.args = json_pack("[O]", json_object_get(row, "id"));
                rc = run_statement(&del, c, error);
                json_decref(del.args);
            }
        }
        json_decref(call.rows);
    }
    return rc;
}

static int32_t export_subject(const plinth_module *m, const plinth_subject *subject, const plinth_export_sink *out,
                              plinth_error *error) {
    subject_work w = {self_of(m), subject, out, NULL, 0};
    if (subject == NULL || out == NULL) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no subject or sink");
    return w.self->db->run(w.self->host, subject_rows, &w, error);
}

static int32_t erase_subject(const plinth_module *m, const plinth_subject *subject, int32_t dry_run,
                             const plinth_erasure_sink *out, plinth_error *error) {
    subject_work w = {self_of(m), subject, NULL, out, dry_run};
    if (subject == NULL || out == NULL) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no subject or sink");
    return w.self->db->transaction(w.self->host, subject_rows, &w, error);
}

static int32_t sweep(const plinth_module *m, int64_t now_us, const plinth_retention_sink *out, plinth_error *error) {
    const example_instance *self = self_of(m);
    sql_call call = {self, "DELETE FROM example_c_subscribers WHERE subscribed_at < ?", NULL, NULL, NULL, NULL, 0};
    plinth_retention_count count = {sizeof count, STR(CATEGORY), STR("removed"), 0};
    int32_t rc = run_sql(&call, json_pack("[I]", (json_int_t)(now_us / 1000000 - self->retention_days * 86400)), error);
    if (rc != PLINTH_OK) return rc;
    count.count = (int64_t)call.affected;
    if (out != NULL && out->count(out->context, &count) != 0) return fail(error, PLINTH_E_SINK, "sink refused a count");
    return PLINTH_OK;
}

static int32_t migrate(const plinth_module *m, const plinth_sink *out, plinth_error *error) {
    const example_instance *self = self_of(m);
    return self->db->migrate(self->host, example_c_migrations, EXAMPLE_C_MIGRATION_COUNT, out, error);
}

static const plinth_command_v1 command_table = {sizeof(plinth_command_v1), command_list, command_execute};
static const plinth_data_inventory_v1 inventory_table = {sizeof(plinth_data_inventory_v1), list_categories};
static const plinth_personal_data_v1 personal_table = {sizeof(plinth_personal_data_v1), export_subject, erase_subject};
static const plinth_retention_v1 retention_table = {sizeof(plinth_retention_v1), sweep};
static const plinth_schema_v1 schema_table = {sizeof(plinth_schema_v1), migrate};

/* Every id get_interface answers (ABI 1.2): the host and the registry walk list them from here;
 * tables[i] implements interface_ids[i]. */
static const char *const interface_ids[] = {PLINTH_EXT_COMMAND, PLINTH_EXT_DATA_INVENTORY, PLINTH_EXT_PERSONAL_DATA,
                                            PLINTH_EXT_RETENTION, PLINTH_EXT_SCHEMA, NULL};
static const void *const tables[] = {&command_table, &inventory_table, &personal_table, &retention_table, &schema_table};

static const void *get_interface(const plinth_module *m, const char *id) {
    size_t i;
    (void)m;
    for (i = 0; id != NULL && interface_ids[i] != NULL; ++i)
        if (strcmp(id, interface_ids[i]) == 0) return tables[i];
    return NULL;
}

static void destroy(plinth_module *m) { free(m->module_data); }

/* Collects the host's configuration document. */
static int32_t collect(void *context, const char *bytes, size_t size) {
    json_t **config = (json_t **)context;
    *config = json_loadb(bytes, size, 0, NULL);
    return *config == NULL;
}

static int32_t create(const plinth_host *host, plinth_module **out, plinth_error *error) {
    const plinth_config_v1 *config_service = (const plinth_config_v1 *)host->get_service(host, PLINTH_SERVICE_CONFIG);
    json_t *config = NULL, *days;
    plinth_sink sink = {sizeof sink, &config, collect};
    example_instance *self;
    if (out == NULL) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no output pointer");
    *out = NULL;
    self = (example_instance *)calloc(1, sizeof *self);
    if (self == NULL) return fail(error, PLINTH_E_INTERNAL, "out of memory");
    self->host = host;
    self->db = (const plinth_db_v1 *)host->get_service(host, PLINTH_SERVICE_DB);
    self->clock = (const plinth_clock_v1 *)host->get_service(host, PLINTH_SERVICE_CLOCK);
    self->retention_days = 1095;
    if (config_service != NULL && config_service->get(host, &sink, error) == PLINTH_OK) {
        days = json_object_get(config, "retention_days");
        if (json_is_integer(days) && json_integer_value(days) >= 1 && json_integer_value(days) <= 36500)
            self->retention_days = json_integer_value(days);
        else if (days != NULL) self->db = NULL; /* refused below: a setting given must be valid */
    }
    json_decref(config);
    if (self->db == NULL || self->clock == NULL) {
        free(self);
        return fail(error, PLINTH_E_UNAVAILABLE, "needs plinth.db/1 and plinth.clock/1, and retention_days from 1 to 36500");
    }
    self->module = (plinth_module){sizeof(plinth_module), self, get_interface, destroy, interface_ids};
    *out = &self->module;
    return PLINTH_OK;
}

static const plinth_module_entry entry = {
    sizeof(plinth_module_entry), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, PLINTH_MAGIC_INIT,
    "example_c", "1.1.0", "A newsletter written in plain C99 over plinth.db/1", NULL, 0, create};

EXAMPLE_EXPORT const plinth_module_entry *plinth_entry(void) { return &entry; }
