/* plinth/ext/personal_data.h — export and erase everything a module holds about one person.
 *
 * The privacy module drives these for every loaded module that offers them. A subject is an
 * account id (0 when the person has no account) plus every email address the person has used,
 * so modules that keyed data on an old address still find it.
 */
#ifndef PLINTH_EXT_PERSONAL_DATA_H
#define PLINTH_EXT_PERSONAL_DATA_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_PERSONAL_DATA[] = "plinth.personal-data/1";

typedef struct plinth_subject {
    uint32_t struct_size;
    int64_t user_id;          /* 0 when the person has no account */
    const plinth_str *emails; /* every address the subject used, current first; borrowed */
    size_t email_count;
} plinth_subject;
PLINTH_PIN_AT(plinth_subject, user_id, 8);
PLINTH_PIN_AT(plinth_subject, emails, 16);
PLINTH_PIN_AT(plinth_subject, email_count, 24);
PLINTH_PIN_SIZE(plinth_subject, 32);

/* Receives the export. Every pointer is borrowed for the callback only. Callbacks return 0 to go
 * on, non-zero to stop the export with PLINTH_E_SINK. [same thread as the export call] */
typedef struct plinth_export_sink {
    uint32_t struct_size;
    void *context;
    /* One item of `category` (a name declared through plinth.data-inventory/1) as a JSON object.
     * Secrets (password hashes, tokens, keys of others, credentials) are never part of it. */
    int32_t (*item)(void *context, plinth_str category, plinth_str json_object);
    /* A file belonging to an item (e.g. a ticket attachment). `file_name` is unique within the
     * module's export and is what the item's JSON refers to; bytes are the whole file. */
    int32_t (*file)(void *context, plinth_str category, plinth_str file_name,
                    plinth_str media_type, const uint8_t *bytes, size_t size);
} plinth_export_sink;
PLINTH_PIN_AT(plinth_export_sink, context, 8);
PLINTH_PIN_AT(plinth_export_sink, item, 16);
PLINTH_PIN_AT(plinth_export_sink, file, 24);
PLINTH_PIN_SIZE(plinth_export_sink, 32);

typedef enum plinth_erasure_outcome {
    PLINTH_ERASURE_REMOVED = 0,    /* deleted */
    PLINTH_ERASURE_ANONYMISED = 1, /* kept without anything that identifies the subject */
    PLINTH_ERASURE_RETAINED = 2    /* kept as is, under legal_basis until retained_until */
} plinth_erasure_outcome;

typedef struct plinth_erasure_item {
    uint32_t struct_size;
    plinth_str category;    /* inventory category name */
    plinth_str item;        /* stable, non-identifying reference, e.g. "ticket 42" */
    int32_t outcome;        /* plinth_erasure_outcome */
    plinth_str legal_basis; /* required when RETAINED, e.g. "contract (Art. 6(1)(b))" */
    int64_t retained_until; /* Unix seconds when RETAINED, else 0 */
} plinth_erasure_item;
PLINTH_PIN_AT(plinth_erasure_item, category, 8);
PLINTH_PIN_AT(plinth_erasure_item, item, 24);
PLINTH_PIN_AT(plinth_erasure_item, outcome, 40);
PLINTH_PIN_AT(plinth_erasure_item, legal_basis, 48);
PLINTH_PIN_AT(plinth_erasure_item, retained_until, 64);
PLINTH_PIN_SIZE(plinth_erasure_item, 72);

typedef struct plinth_erasure_sink {
    uint32_t struct_size;
    void *context;
    /* One outcome; `item` is borrowed for the callback. [same thread as the erase call] */
    int32_t (*item)(void *context, const plinth_erasure_item *item);
} plinth_erasure_sink;
PLINTH_PIN_AT(plinth_erasure_sink, context, 8);
PLINTH_PIN_AT(plinth_erasure_sink, item, 16);
PLINTH_PIN_SIZE(plinth_erasure_sink, 24);

typedef struct plinth_personal_data_v1 {
    uint32_t struct_size;
    /* Streams everything held about `subject` into `out`. Reads only. [thread-safe] */
    int32_t (*export_subject)(const plinth_module *self, const plinth_subject *subject,
                              const plinth_export_sink *out, plinth_error *error);
    /* Erases `subject`, reporting one outcome per item. With `dry_run` non-zero nothing changes
     * and the outcomes say what would happen. Idempotent: a second run reports nothing left or
     * only what is retained. [thread-safe]
     *
     * Report each outcome from inside the transaction that makes its change, before the commit.
     * The privacy module stores every outcome as it arrives and keeps one per (category, item),
     * so an item reported by a transaction that then rolls back (retried, or interrupted) and
     * reported again later counts once, while an outcome reported only after its commit would be
     * lost by a crash in between and missing from the erasure's record for good. A sink that
     * returns non-zero must roll the current transaction back (the SDK's ErasureSink throws). */
    int32_t (*erase_subject)(const plinth_module *self, const plinth_subject *subject,
                             int32_t dry_run, const plinth_erasure_sink *out, plinth_error *error);
} plinth_personal_data_v1;
PLINTH_PIN_AT(plinth_personal_data_v1, export_subject, 8);
PLINTH_PIN_AT(plinth_personal_data_v1, erase_subject, 16);
PLINTH_PIN_SIZE(plinth_personal_data_v1, 24);

#ifdef __cplusplus
}
#endif

#endif
