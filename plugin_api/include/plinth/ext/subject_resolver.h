/* plinth/ext/subject_resolver.h — who is this person, and which addresses did they use?
 *
 * The privacy module must reach everything held about a person, including data that other
 * modules keyed on an address the person no longer uses. The module that keeps accounts (the
 * accounts module in the standard set) answers with the account id and every address the
 * account ever had, current first; other modules ask it through the registry.
 *
 * Rationale: a typed interface rather than a JSON command, so the caller needs no JSON parser,
 * the answer's shape is checked by the compiler, and no caller hard-codes another module's
 * command name.
 */
#ifndef PLINTH_EXT_SUBJECT_RESOLVER_H
#define PLINTH_EXT_SUBJECT_RESOLVER_H

#include "personal_data.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_SUBJECT_RESOLVER[] = "plinth.subject-resolver/1";

/* Receives the resolved subject. `subject` and every address in it are borrowed for the callback
 * only. Returns 0 to accept, non-zero to make the resolver fail with PLINTH_E_SINK.
 * [same thread as the resolve call] */
typedef struct plinth_subject_sink {
    uint32_t struct_size;
    void *context;
    int32_t (*subject)(void *context, const plinth_subject *subject);
} plinth_subject_sink;
PLINTH_PIN_AT(plinth_subject_sink, context, 8);
PLINTH_PIN_AT(plinth_subject_sink, subject, 16);
PLINTH_PIN_SIZE(plinth_subject_sink, 24);

typedef struct plinth_subject_resolver_v1 {
    uint32_t struct_size;
    /* Resolves the person named by `email` (when email.size > 0) or by the account `user_id`
     * (when > 0); exactly one of the two must be given. Calls out->subject exactly once on
     * PLINTH_OK: with the account id and every address it used, current first; for a person
     * without an account, user_id 0 and the given address alone (or no address when asked by an
     * id that names no account, never existed or erased). Errors: PLINTH_E_INVALID_ARGUMENT
     * (neither or both given, a malformed address), PLINTH_E_DATABASE. Reads only; `email` is
     * borrowed for the call. [thread-safe] */
    int32_t (*resolve)(const plinth_module *self, plinth_str email, int64_t user_id,
                       const plinth_subject_sink *out, plinth_error *error);
} plinth_subject_resolver_v1;
PLINTH_PIN_AT(plinth_subject_resolver_v1, resolve, 8);
PLINTH_PIN_SIZE(plinth_subject_resolver_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
