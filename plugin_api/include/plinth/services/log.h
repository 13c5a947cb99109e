/* plinth/services/log.h — structured logging into the host's log. */
#ifndef PLINTH_SERVICES_LOG_H
#define PLINTH_SERVICES_LOG_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_LOG[] = "plinth.log/1";

typedef enum plinth_log_level {
    PLINTH_LOG_DEBUG = 0,
    PLINTH_LOG_INFO = 1,
    PLINTH_LOG_WARNING = 2,
    PLINTH_LOG_ERROR = 3
} plinth_log_level;

typedef struct plinth_log_v1 {
    uint32_t struct_size;
    /* Appends one line to the host log, tagged with the calling module's id. `level` is a
     * plinth_log_level. `message` is borrowed for the call and must never contain secrets,
     * tokens, keys or passwords. [thread-safe] */
    void (*write)(const plinth_host *host, int32_t level, plinth_str message);
} plinth_log_v1;
PLINTH_PIN_AT(plinth_log_v1, write, 8);
PLINTH_PIN_SIZE(plinth_log_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
