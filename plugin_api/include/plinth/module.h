/* plinth/module.h — the one symbol a module exports, and the instance it creates.
 *
 * A module is a shared library exporting exactly one symbol, PLINTH_ENTRY_SYMBOL, a function that
 * returns a pointer to a static, const plinth_module_entry. The host reads struct_size, the
 * versions and the magic block before it calls anything else; a mismatch refuses the module
 * whole, before create() runs.
 *
 * Rationale: a single data symbol-like entry (as in CLAP) keeps the export list trivial to enforce
 * with a linker version script and lets the host refuse a foreign or incompatible library without
 * executing any of its code beyond the entry function, which must do nothing but return a pointer.
 */
#ifndef PLINTH_MODULE_H
#define PLINTH_MODULE_H

#include "base.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PLINTH_ENTRY_SYMBOL "plinth_entry"
#define PLINTH_MAGIC_CONSTANT 0x544E4C50u /* "PLNT" read as little-endian bytes */

/* Fixed forever: compared byte for byte by every host, old or new. */
typedef struct plinth_magic {
    uint32_t constant;     /* PLINTH_MAGIC_CONSTANT */
    uint16_t pointer_size; /* sizeof(void *) of the build */
    uint16_t abi_major;    /* PLINTH_ABI_MAJOR of the build */
} plinth_magic;
PLINTH_PIN_AT(plinth_magic, pointer_size, 4);
PLINTH_PIN_AT(plinth_magic, abi_major, 6);
PLINTH_PIN_SIZE(plinth_magic, 8);

#define PLINTH_MAGIC_INIT { PLINTH_MAGIC_CONSTANT, (uint16_t)sizeof(void *), (uint16_t)PLINTH_ABI_MAJOR }

/* A module this one needs initialised before it. */
typedef struct plinth_dependency {
    uint32_t struct_size;
    const char *module_id; /* NUL-terminated, static */
    int32_t optional;      /* 0: refuse to load without it; 1: only order after it when present */
} plinth_dependency;
PLINTH_PIN_AT(plinth_dependency, module_id, 8);
PLINTH_PIN_AT(plinth_dependency, optional, 16);
PLINTH_PIN_SIZE(plinth_dependency, 24);

/* A live module instance. Created by entry->create, destroyed by its own destroy(). */
typedef struct plinth_module {
    uint32_t struct_size;
    void *module_data; /* private to the module */

    /* Returns the function table of interface `id` (NUL-terminated, e.g. "plinth.command/1"), or
     * NULL when not supported. The table lives as long as the instance. [thread-safe] */
    const void *(*get_interface)(const struct plinth_module *self, const char *id);

    /* Releases the instance and everything it owns (connections, caches). No other call may be
     * running or follow. [main-thread] */
    void (*destroy)(struct plinth_module *self);

    /* Appended in ABI 1.2: every interface id this instance may offer, NUL-terminated strings in
     * a NULL-terminated array that lives as long as the instance (NULL: the module does not say).
     * get_interface stays the authority: a listed id it answers NULL for is not offered. The host
     * walks these lists (plinth.registry/2 `walk`, `plinth-host modules`) so that nobody keeps a
     * list of the interfaces that exist. A module built before 1.2 has a smaller struct_size and
     * is asked only for the ids that other modules list. */
    const char *const *interface_ids;
} plinth_module;
PLINTH_PIN_AT(plinth_module, module_data, 8);
PLINTH_PIN_AT(plinth_module, get_interface, 16);
PLINTH_PIN_AT(plinth_module, destroy, 24);
PLINTH_PIN_AT(plinth_module, interface_ids, 32); /* 1.2 */
PLINTH_PIN_SIZE(plinth_module, 40);

typedef struct plinth_module_entry {
    uint32_t struct_size;   /* sizeof(plinth_module_entry) of the build */
    uint32_t abi_major;     /* PLINTH_ABI_MAJOR the module was built against */
    uint32_t abi_minor;     /* PLINTH_ABI_MINOR the module was built against */
    plinth_magic magic;     /* PLINTH_MAGIC_INIT */

    const char *module_id;      /* NUL-terminated, static: [a-z0-9_-]{1,64}, unique per host */
    const char *module_version; /* NUL-terminated, static, semantic version of the module */
    const char *description;    /* NUL-terminated, static, one line for `plinth-host modules` */

    const plinth_dependency *dependencies; /* static array, may be NULL when count is 0 */
    uint32_t dependency_count;

    /* Creates an instance bound to `host` (which outlives the instance). On PLINTH_OK `*out`
     * holds the instance; on failure `*out` is left NULL and nothing needs releasing.
     * Must not block on other modules. [main-thread] */
    int32_t (*create)(const plinth_host *host, plinth_module **out, plinth_error *error);
} plinth_module_entry;
PLINTH_PIN_AT(plinth_module_entry, abi_major, 4);
PLINTH_PIN_AT(plinth_module_entry, abi_minor, 8);
PLINTH_PIN_AT(plinth_module_entry, magic, 12);
PLINTH_PIN_AT(plinth_module_entry, module_id, 24);
PLINTH_PIN_AT(plinth_module_entry, module_version, 32);
PLINTH_PIN_AT(plinth_module_entry, description, 40);
PLINTH_PIN_AT(plinth_module_entry, dependencies, 48);
PLINTH_PIN_AT(plinth_module_entry, dependency_count, 56);
PLINTH_PIN_AT(plinth_module_entry, create, 64);
PLINTH_PIN_SIZE(plinth_module_entry, 72);

/* The type of the exported symbol. It must only return a pointer to static data. [thread-safe] */
typedef const plinth_module_entry *(*plinth_module_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_MODULE_H */
