/* plinth/services/secrets.h — long-lived keys owned by the host.
 *
 * Keys live in files readable only by the host's user (0600), one namespace per module, and are
 * generated from a CSPRNG on first use. Modules never persist key material themselves.
 */
#ifndef PLINTH_SERVICES_SECRETS_H
#define PLINTH_SERVICES_SECRETS_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_SECRETS[] = "plinth.secrets/1";

typedef struct plinth_secrets_v1 {
    uint32_t struct_size;
    /* Copies the key called `name` ([a-z0-9_-], at most 64 bytes) of exactly `size` bytes
     * (1..4096) into the caller's buffer `out`, creating it on first use. Asking for an existing
     * key with another size fails with PLINTH_E_CONFLICT. The caller should wipe `out` after use.
     * [thread-safe] */
    int32_t (*get_key)(const plinth_host *host, plinth_str name, uint8_t *out, size_t size,
                       plinth_error *error);
} plinth_secrets_v1;
PLINTH_PIN_AT(plinth_secrets_v1, get_key, 8);
PLINTH_PIN_SIZE(plinth_secrets_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
