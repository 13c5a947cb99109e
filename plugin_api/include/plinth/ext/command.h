/* plinth/ext/command.h — generic JSON commands (the slow, flexible path). */
#ifndef PLINTH_EXT_COMMAND_H
#define PLINTH_EXT_COMMAND_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_COMMAND[] = "plinth.command/1";

typedef enum plinth_principal {
    PLINTH_PRINCIPAL_ANONYMOUS = 0, /* nobody signed in: only public commands */
    PLINTH_PRINCIPAL_USER = 1,      /* a signed-in account, see user_id and role */
    PLINTH_PRINCIPAL_SYSTEM = 2     /* the host itself (operator CLI, sweeps, other modules) */
} plinth_principal;

typedef enum plinth_role {
    PLINTH_ROLE_CUSTOMER = 0,
    PLINTH_ROLE_STAFF = 1,
    PLINTH_ROLE_ADMIN = 2
} plinth_role;

/* Who is acting. Set by the host from its own authentication, never from the JSON body; modules
 * enforce access with it. */
typedef struct plinth_call_context {
    uint32_t struct_size;
    int32_t principal; /* plinth_principal */
    int64_t user_id;   /* the acting account when principal is USER, else 0 */
    int32_t role;      /* plinth_role when principal is USER */

    /* Appended in ABI 1.1: what the host knows of the request behind the call. A 1.0 host's
     * smaller struct_size leaves both empty; so does any call that did not come over a network.
     * Both point into host memory valid for the duration of the call only, and are untrusted
     * text that the host has checked to be printable ASCII. */
    plinth_str client_address; /* the client's IP address ("203.0.113.7", "2001:db8::1"), as the
                                  host resolved it (X-Forwarded-For only from trusted proxies) */
    plinth_str request_id;     /* the host's id for this request, as in its access log and the
                                  X-Request-Id response header */
} plinth_call_context;
PLINTH_PIN_AT(plinth_call_context, principal, 4);
PLINTH_PIN_AT(plinth_call_context, user_id, 8);
PLINTH_PIN_AT(plinth_call_context, role, 16);
PLINTH_PIN_AT(plinth_call_context, client_address, 24);
PLINTH_PIN_AT(plinth_call_context, request_id, 40);
PLINTH_PIN_SIZE(plinth_call_context, 56);

typedef struct plinth_command_v1 {
    uint32_t struct_size;

    /* Writes a JSON array describing the commands offered:
     * [{"name":..,"summary":..,"access":"anonymous"|"customer"|"staff"|"admin"|"system"}].
     * [thread-safe] */
    int32_t (*list)(const plinth_module *self, const plinth_sink *out, plinth_error *error);

    /* Runs command `name` with `arguments` (a JSON object; empty means {}). On PLINTH_OK the
     * result, one JSON value, has been written to `out`; on failure nothing meaningful was
     * written, `error` says why and the module's state is unchanged. All pointers are borrowed
     * for the call. [thread-safe] */
    int32_t (*execute)(const plinth_module *self, const plinth_call_context *caller,
                       plinth_str name, plinth_str arguments, const plinth_sink *out,
                       plinth_error *error);
} plinth_command_v1;
PLINTH_PIN_AT(plinth_command_v1, list, 8);
PLINTH_PIN_AT(plinth_command_v1, execute, 16);
PLINTH_PIN_SIZE(plinth_command_v1, 24);

#ifdef __cplusplus
}
#endif

#endif
