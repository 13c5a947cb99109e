/* plinth/services/registry.h — how one module reaches the interfaces of the others.
 *
 * The privacy module uses it to find every personal-data exporter and eraser, including those of
 * modules written after it. Lookups return the interface table together with the instance that
 * must be passed as its first argument.
 *
 * plinth.registry/2 (ABI 1.2) adds `walk`, a visit of every loaded module and every interface it
 * offers, so a module that describes the others (privacy's register of processing) or a host that
 * lists them needs no list of interface ids of its own. Hosts offer /1 and /2 side by side; /1 is
 * frozen like every function table (docs/abi.md, "Function tables").
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
    /* Appended in ABI 1.2: the id of the interface (empty from a 1.1 host, whose smaller
     * struct_size ends before it). From `walk` it lives as long as module_id; from `find` and
     * `for_each` it is the caller's own interface_id argument. */
    plinth_str interface_id;
} plinth_registry_entry;
PLINTH_PIN_AT(plinth_registry_entry, module_id, 8);
PLINTH_PIN_AT(plinth_registry_entry, module, 24);
PLINTH_PIN_AT(plinth_registry_entry, interface_table, 32);
PLINTH_PIN_AT(plinth_registry_entry, interface_id, 40); /* 1.2 */
PLINTH_PIN_SIZE(plinth_registry_entry, 56);

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
PLINTH_PIN_AT(plinth_registry_v1, find, 8);
PLINTH_PIN_AT(plinth_registry_v1, for_each, 16);
PLINTH_PIN_SIZE(plinth_registry_v1, 24);

static const char PLINTH_SERVICE_REGISTRY_V2[] = "plinth.registry/2";

typedef struct plinth_registry_v2 {
    uint32_t struct_size;
    /* As plinth_registry_v1.find. [thread-safe] */
    int32_t (*find)(const plinth_host *host, plinth_str module_id, const char *interface_id,
                    plinth_registry_entry *out);
    /* As plinth_registry_v1.for_each. [thread-safe] */
    int32_t (*for_each)(const plinth_host *host, const char *interface_id, void *context,
                        int32_t (*visit)(void *context, const plinth_registry_entry *entry));
    /* Calls `visit` once for every interface every loaded module offers (the caller included),
     * modules in initialisation order, each module's interfaces in the order it lists them
     * (plinth_module.interface_ids); entry->interface_id names the interface. A module that
     * offers none is visited once with an empty interface_id and a NULL interface_table, so the
     * walk sees every loaded module. A module built before ABI 1.2, which cannot list its
     * interfaces, is asked for every id the others list. `entry` is borrowed for the callback;
     * a non-zero return from `visit` stops the walk and is returned. [thread-safe] */
    int32_t (*walk)(const plinth_host *host, void *context,
                    int32_t (*visit)(void *context, const plinth_registry_entry *entry));
} plinth_registry_v2;
PLINTH_PIN_AT(plinth_registry_v2, find, 8);
PLINTH_PIN_AT(plinth_registry_v2, for_each, 16);
PLINTH_PIN_AT(plinth_registry_v2, walk, 24);
PLINTH_PIN_SIZE(plinth_registry_v2, 32);

#ifdef __cplusplus
}
#endif

#endif
