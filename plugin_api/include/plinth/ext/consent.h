/* plinth/ext/consent.h — may this subject's data be processed for this purpose? */
#ifndef PLINTH_EXT_CONSENT_H
#define PLINTH_EXT_CONSENT_H

#include "personal_data.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_CONSENT[] = "plinth.consent/1";

typedef struct plinth_consent_v1 {
    uint32_t struct_size;
    /* Sets `*allowed` to 1 or 0 for processing `subject` for `purpose` (e.g. "gravatar",
     * "ai-prompt-analysis"). With `requires_opt_in` non-zero the purpose needs a granted, not
     * withdrawn, consent; otherwise it is allowed unless objected to. A restriction of processing
     * (Art. 18) or an objection (Art. 21) always answers 0. [thread-safe] */
    int32_t (*is_allowed)(const plinth_module *self, const plinth_subject *subject,
                          plinth_str purpose, int32_t requires_opt_in, int32_t *allowed,
                          plinth_error *error);
} plinth_consent_v1;
PLINTH_PIN_AT(plinth_consent_v1, is_allowed, 8);
PLINTH_PIN_SIZE(plinth_consent_v1, 16);

static const char PLINTH_EXT_CONSENT_LISTENER[] = "plinth.consent-listener/1";

/* Offered by modules that must react when a consent changes (e.g. accounts removes the gravatar
 * URL when the "gravatar" consent is withdrawn). The consent ledger calls every listener after
 * it recorded the change. */
typedef struct plinth_consent_listener_v1 {
    uint32_t struct_size;
    /* `allowed` is the new answer of is_allowed for `purpose`: 1 after a grant, 0 after a
     * withdrawal, restriction or objection. Must be idempotent. [thread-safe] */
    int32_t (*consent_changed)(const plinth_module *self, const plinth_subject *subject,
                               plinth_str purpose, int32_t allowed, plinth_error *error);
} plinth_consent_listener_v1;
PLINTH_PIN_AT(plinth_consent_listener_v1, consent_changed, 8);
PLINTH_PIN_SIZE(plinth_consent_listener_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
