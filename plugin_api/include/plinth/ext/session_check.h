/* plinth/ext/session_check.h — the typed fast path: who does this session token belong to? */
#ifndef PLINTH_EXT_SESSION_CHECK_H
#define PLINTH_EXT_SESSION_CHECK_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_SESSION_CHECK[] = "plinth.session-check/1";

typedef struct plinth_session_info {
    uint32_t struct_size;
    int64_t user_id;    /* the account the session belongs to */
    int32_t role;       /* plinth_role (see ext/command.h) */
    int64_t expires_at; /* Unix seconds at which the session ends at the latest */
} plinth_session_info;
PLINTH_PIN_AT(plinth_session_info, user_id, 8);
PLINTH_PIN_AT(plinth_session_info, role, 16);
PLINTH_PIN_AT(plinth_session_info, expires_at, 24);
PLINTH_PIN_SIZE(plinth_session_info, 32);

typedef struct plinth_session_check_v1 {
    uint32_t struct_size;
    /* Resolves `token` (as returned by login). PLINTH_OK fills `out`; an unknown, revoked or
     * expired token gives PLINTH_E_UNAUTHENTICATED. Never writes to the database. [thread-safe] */
    int32_t (*check)(const plinth_module *self, plinth_str token, plinth_session_info *out,
                     plinth_error *error);
} plinth_session_check_v1;
PLINTH_PIN_AT(plinth_session_check_v1, check, 8);
PLINTH_PIN_SIZE(plinth_session_check_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
