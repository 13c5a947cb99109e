/* plinth/ext/account_roles.h — which role does an account hold?
 *
 * A module that shields staff and administrators from lesser callers must know the role of an
 * account it did not sign in itself: the privacy module lets only an administrator ask for the
 * erasure of a staff member's or an administrator's data. The module that keeps accounts (the
 * accounts module in the standard set) answers; other modules find it through the registry.
 *
 * Rationale: an id of its own rather than a plinth.subject-resolver/2 whose answer carries the
 * role. Resolving a person (who is this, which addresses did they use: identity, for export and
 * erasure) and telling an account's role (authorisation) are asked at different moments by
 * different callers, and a resolver may exist without any notion of roles. One integer comes
 * back, so no sink is needed and no memory crosses. And since function tables are frozen per id,
 * plinth.subject-resolver/1 stays exactly as released instead of gaining a twin to maintain.
 */
#ifndef PLINTH_EXT_ACCOUNT_ROLES_H
#define PLINTH_EXT_ACCOUNT_ROLES_H

#include "command.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_ACCOUNT_ROLES[] = "plinth.account-roles/1";

typedef struct plinth_account_roles_v1 {
    uint32_t struct_size;
    /* Writes the role of the account `user_id` (> 0) to *role: PLINTH_ROLE_CUSTOMER,
     * PLINTH_ROLE_STAFF or PLINTH_ROLE_ADMIN (plinth_role, command.h), the role the account holds
     * now. `role` is the caller's and is written on PLINTH_OK only. Errors: PLINTH_E_NOT_FOUND (no
     * such account: it never existed or was erased), PLINTH_E_INVALID_ARGUMENT (user_id <= 0,
     * role NULL), PLINTH_E_DATABASE, PLINTH_E_UNAVAILABLE. Reads only. [thread-safe] */
    int32_t (*role_of)(const plinth_module *self, int64_t user_id, int32_t *role, plinth_error *error);
} plinth_account_roles_v1;
PLINTH_PIN_AT(plinth_account_roles_v1, role_of, 8);
PLINTH_PIN_SIZE(plinth_account_roles_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
