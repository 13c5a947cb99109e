/* plinth/services/connections.h — one database connection budget for the whole host process.
 *
 * Every module links its own copy of the storage kit and keeps its own pool, so without a shared
 * count a process opens a pool per module plus any background connections (the license poller).
 * The host owns one budget per process; each pool takes a slot before it opens a server connection
 * and gives it back after closing it. When the budget is exhausted the host asks the pools that
 * registered a reclaimer to close one idle connection, and otherwise waits up to the caller's
 * timeout.
 *
 * Rationale: a host service, not a static inside the storage kit, because modules are loaded with
 * RTLD_LOCAL and each carries its own copy of the kit's statics: only the host is shared.
 *
 * Added in ABI 1.1. A host that does not offer it returns NULL; a module then bounds only its own
 * pools.
 */
#ifndef PLINTH_SERVICES_CONNECTIONS_H
#define PLINTH_SERVICES_CONNECTIONS_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_CONNECTIONS[] = "plinth.connections/1";

typedef struct plinth_connections_v1 {
    uint32_t struct_size;

    /* How many server connections the whole process may hold open at once. [thread-safe] */
    uint32_t (*limit)(const plinth_host *host);

    /* Takes one slot: the caller may then open one server connection and must call `release`
     * once that connection is closed (or was never opened). Waits up to `timeout_ms`, calling the
     * registered reclaimers meanwhile. Returns PLINTH_OK, or PLINTH_E_UNAVAILABLE with `error`
     * filled when no slot came free in time. May call `reclaim` callbacks of any module on the
     * calling thread. [thread-safe] */
    int32_t (*acquire)(const plinth_host *host, uint32_t timeout_ms, plinth_error *error);

    /* Gives back one slot taken with `acquire`. Never blocks for long. [thread-safe] */
    void (*release)(const plinth_host *host);

    /* How many callers are waiting in `acquire` now. A pool that is given a connection back while
     * this is non-zero closes it (and releases its slot) instead of keeping it idle. [thread-safe] */
    uint32_t (*waiting)(const plinth_host *host);

    /* Registers `reclaim`, which the host may call from any thread waiting in `acquire`: it closes
     * one idle connection held by `context`, releases that connection's slot with `release`, and
     * returns 1; or returns 0 when it holds no idle connection. It must not throw, must not call
     * `acquire`, and may only take locks that are never held while calling `acquire`. `context`
     * is borrowed until `remove_reclaimer` returns. Returns a non-zero handle, or 0 when the
     * reclaimer could not be registered. [thread-safe] */
    uint64_t (*add_reclaimer)(const plinth_host *host, void *context, int32_t (*reclaim)(void *context));

    /* Unregisters the reclaimer `handle`. When this returns the callback is not running and will
     * not be called again. Unknown handles are ignored. [thread-safe] */
    void (*remove_reclaimer)(const plinth_host *host, uint64_t handle);

    /* Closes every idle connection of the process through the reclaimers; returns how many. Called
     * by a pool whose server refuses new connections (1040 "too many connections"): idle sessions
     * are then better given back to the server than kept. Same calling rules as `acquire`.
     * [thread-safe] */
    uint32_t (*shed_idle)(const plinth_host *host);
} plinth_connections_v1;
PLINTH_PIN_AT(plinth_connections_v1, limit, 8);
PLINTH_PIN_AT(plinth_connections_v1, acquire, 16);
PLINTH_PIN_AT(plinth_connections_v1, release, 24);
PLINTH_PIN_AT(plinth_connections_v1, waiting, 32);
PLINTH_PIN_AT(plinth_connections_v1, add_reclaimer, 40);
PLINTH_PIN_AT(plinth_connections_v1, remove_reclaimer, 48);
PLINTH_PIN_AT(plinth_connections_v1, shed_idle, 56);
PLINTH_PIN_SIZE(plinth_connections_v1, 64);

#ifdef __cplusplus
}
#endif

#endif
