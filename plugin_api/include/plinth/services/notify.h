/* plinth/services/notify.h — messages a module sends to a person, delivered by the host.
 *
 * Some things must reach a person and nobody else: the one-time token that confirms a
 * data-subject request is the first of them. A module cannot mail anyone itself; it hands the
 * message to the host, which owns the delivery (mail in a real host; the plinth-host CLI and its
 * demo print it, standing in for the person's mailbox). A host that cannot deliver either does not
 * offer the service or answers PLINTH_E_UNAVAILABLE, and the module must then refuse whatever
 * depended on the message rather than hand the secret to its caller instead.
 *
 * Rationale: a host service, not a module interface, because delivery is the host's business
 * (its mail relay, its templates, its rate limits) exactly like logging and secrets.
 */
#ifndef PLINTH_SERVICES_NOTIFY_H
#define PLINTH_SERVICES_NOTIFY_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_SERVICE_NOTIFY[] = "plinth.notify/1";

typedef struct plinth_notification {
    uint32_t struct_size;
    plinth_str recipient; /* the person's email address (UTF-8, 1..320 bytes) */
    plinth_str topic;     /* what it is about, for the host's templates, e.g. "privacy.request-confirmation" */
    plinth_str subject;   /* one line for the person */
    plinth_str body;      /* plain text for the person; may hold a one-time secret meant only for them */
} plinth_notification;
PLINTH_PIN_AT(plinth_notification, recipient, 8);
PLINTH_PIN_AT(plinth_notification, topic, 24);
PLINTH_PIN_AT(plinth_notification, subject, 40);
PLINTH_PIN_AT(plinth_notification, body, 56);
PLINTH_PIN_SIZE(plinth_notification, 72);

typedef struct plinth_notify_v1 {
    uint32_t struct_size;
    /* Delivers `message` to its recipient, or queues it durably for delivery, before returning
     * PLINTH_OK. Every pointer in `message` is borrowed for the call. The host never logs the
     * body (it may hold a secret). PLINTH_E_UNAVAILABLE: this host cannot deliver messages now.
     * [thread-safe] */
    int32_t (*send)(const plinth_host *host, const plinth_notification *message, plinth_error *error);
} plinth_notify_v1;
PLINTH_PIN_AT(plinth_notify_v1, send, 8);
PLINTH_PIN_SIZE(plinth_notify_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
