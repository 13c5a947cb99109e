/* plinth/services/registry.h — how one module reaches the interfaces of the others.
 *
 * The privacy module uses it to find every personal-data exporter and eraser, including those of
 * modules written after it. Lookups return the interface table together with the instance that
 * must be passed as its first argument.
 */
#ifndef PLINTH_SERVICES_REGISTRY_H
#define PLINTH_SERVICES_REGISTRY_H

#include "../host.h"
#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_REGISTRY[] = "plinth.registry/1";

/* One loaded module offering an interface. All pointers stay valid until the host unloads the
 * module, which happens only after every module that was initialised after it is destroyed. */
typedef struct plinth_registry_entry {
    uint32_t struct_size;
    plinth_str module_id;          /* borrowed; valid while the module is loaded */
    const plinth_module *module;   /* pass as `self` to the interface functions */
    const void *interface_table;   /* cast to the table type named by the interface id */
} plinth_registry_entry;

typedef struct plinth_registry_v1 {
    uint32_t struct_size;
    /* Looks up `interface_id` (NUL-terminated) on the module `module_id`. Fills `out` and returns
     * PLINTH_OK, or PLINTH_E_NOT_FOUND when that module is not loaded or does not offer it.
     * [thread-safe] */
    int32_t (*find)(const plinth_host *host, plinth_str module_id, const char *interface_id,
                    plinth_registry_entry *out);
    /* Calls `visit` once for every loaded module (in initialisation order) that offers
     * `interface_id`, including the caller itself. `entry` is borrowed for the callback.
     * A non-zero return from `visit` stops the walk and is returned. [thread-safe] */
    int32_t (*for_each)(const plinth_host *host, const char *interface_id, void *context,
                        int32_t (*visit)(void *context, const plinth_registry_entry *entry));
} plinth_registry_v1;

#ifdef __cplusplus
}
#endif

#endif
