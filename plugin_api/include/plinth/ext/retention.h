/* plinth/ext/retention.h — delete or anonymise what has outlived its retention period. */
#ifndef PLINTH_EXT_RETENTION_H
#define PLINTH_EXT_RETENTION_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_RETENTION[] = "plinth.retention/1";

typedef struct plinth_retention_count {
    uint32_t struct_size;
    plinth_str category; /* inventory category name */
    plinth_str action;   /* "removed", "anonymised", "expired", ... */
    int64_t count;       /* rows or items affected */
} plinth_retention_count;
PLINTH_PIN_AT(plinth_retention_count, category, 8);
PLINTH_PIN_AT(plinth_retention_count, action, 24);
PLINTH_PIN_AT(plinth_retention_count, count, 40);
PLINTH_PIN_SIZE(plinth_retention_count, 48);

typedef struct plinth_retention_sink {
    uint32_t struct_size;
    void *context;
    int32_t (*count)(void *context, const plinth_retention_count *count);
} plinth_retention_sink;
PLINTH_PIN_AT(plinth_retention_sink, context, 8);
PLINTH_PIN_AT(plinth_retention_sink, count, 16);
PLINTH_PIN_SIZE(plinth_retention_sink, 24);

typedef struct plinth_retention_v1 {
    uint32_t struct_size;
    /* Applies the module's retention rules as of `now_us` (Unix microseconds) and reports one
     * count per category and action, zeros included. Idempotent. [thread-safe] */
    int32_t (*sweep)(const plinth_module *self, int64_t now_us, const plinth_retention_sink *out,
                     plinth_error *error);
} plinth_retention_v1;
PLINTH_PIN_AT(plinth_retention_v1, sweep, 8);
PLINTH_PIN_SIZE(plinth_retention_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
