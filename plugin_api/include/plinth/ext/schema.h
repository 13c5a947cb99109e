/* plinth/ext/schema.h — the module's database migrations, applied when the host says so. */
#ifndef PLINTH_EXT_SCHEMA_H
#define PLINTH_EXT_SCHEMA_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_SCHEMA[] = "plinth.schema/1";

typedef struct plinth_schema_v1 {
    uint32_t struct_size;
    /* Applies pending migrations in order under a database-wide named lock and writes a JSON
     * object {"applied":[names],"current":name} to `out` (may be NULL). A migration whose text
     * changed after it was applied is refused with PLINTH_E_CONFLICT. [thread-safe] */
    int32_t (*migrate)(const plinth_module *self, const plinth_sink *out, plinth_error *error);
} plinth_schema_v1;
PLINTH_PIN_AT(plinth_schema_v1, migrate, 8);
PLINTH_PIN_SIZE(plinth_schema_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
