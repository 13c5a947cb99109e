/* plinth/host.h — the table the host hands to every module instance.
 *
 * Each module instance receives its own plinth_host; `host_data` lets the host tell callers apart
 * (logging prefix, configuration section, secrets namespace). Services are looked up by versioned
 * string id, exactly like module interfaces: NULL means "not offered by this host".
 */
#ifndef PLINTH_HOST_H
#define PLINTH_HOST_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct plinth_host {
    uint32_t struct_size;
    uint32_t abi_major; /* ABI the host implements */
    uint32_t abi_minor;
    void *host_data;    /* reserved for the host; modules must not touch it */

    /* Returns the service table for `id` (e.g. PLINTH_SERVICE_LOG), or NULL when not offered.
     * `id` is NUL-terminated and borrowed for the call. The returned table lives as long as the
     * module instance. [thread-safe] */
    const void *(*get_service)(const struct plinth_host *host, const char *id);
} plinth_host;
PLINTH_PIN_AT(plinth_host, abi_major, 4);
PLINTH_PIN_AT(plinth_host, abi_minor, 8);
PLINTH_PIN_AT(plinth_host, host_data, 16);
PLINTH_PIN_AT(plinth_host, get_service, 24);
PLINTH_PIN_SIZE(plinth_host, 32);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_HOST_H */
