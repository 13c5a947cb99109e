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

#define PLINTH_MAGIC_INIT { PLINTH_MAGIC_CONSTANT, (uint16_t)sizeof(void *), (uint16_t)PLINTH_ABI_MAJOR }

/* A module this one needs initialised before it. */
typedef struct plinth_dependency {
    uint32_t struct_size;
    const char *module_id; /* NUL-terminated, static */
    int32_t optional;      /* 0: refuse to load without it; 1: only order after it when present */
} plinth_dependency;

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
} plinth_module;

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

/* The type of the exported symbol. It must only return a pointer to static data. [thread-safe] */
typedef const plinth_module_entry *(*plinth_module_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_MODULE_H */
