/* plinth/services/clock.h — the host's notion of "now".
 *
 * Rationale: expiry, throttling and retention rules are tested with an injected clock, so modules
 * ask the host for the time instead of reading the system clock themselves.
 */
#ifndef PLINTH_SERVICES_CLOCK_H
#define PLINTH_SERVICES_CLOCK_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_CLOCK[] = "plinth.clock/1";

typedef struct plinth_clock_v1 {
    uint32_t struct_size;
    /* Microseconds since the Unix epoch (UTC), as the host sees it. Cheap enough for hot paths.
     * [thread-safe] */
    int64_t (*now_us)(const plinth_host *host);
} plinth_clock_v1;
PLINTH_PIN_AT(plinth_clock_v1, now_us, 8);
PLINTH_PIN_SIZE(plinth_clock_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
