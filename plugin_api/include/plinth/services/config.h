/* plinth/services/config.h — the module's own configuration, as JSON. */
#ifndef PLINTH_SERVICES_CONFIG_H
#define PLINTH_SERVICES_CONFIG_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_CONFIG[] = "plinth.config/1";

typedef struct plinth_config_v1 {
    uint32_t struct_size;
    /* Writes one JSON object to `out`: the calling module's section of the host configuration
     * (after environment overrides), plus a "database" member holding the connection settings
     * the module must use ({"socket"|"host","port","user","password","database",...}).
     * Unknown members are to be ignored. Returns PLINTH_OK or fills `error`. [thread-safe] */
    int32_t (*get)(const plinth_host *host, const plinth_sink *out, plinth_error *error);
} plinth_config_v1;
PLINTH_PIN_AT(plinth_config_v1, get, 8);
PLINTH_PIN_SIZE(plinth_config_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
