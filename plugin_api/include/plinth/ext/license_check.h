/* plinth/ext/license_check.h — the typed hot path: is this key valid on this site?
 *
 * Rationale: the license check runs on every page load of every customer site, so it bypasses
 * JSON entirely: plain structs in and out, no allocation in the steady state, served from an
 * in-process cache. The same verdict is available as the JSON command "check".
 */
#ifndef PLINTH_EXT_LICENSE_CHECK_H
#define PLINTH_EXT_LICENSE_CHECK_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_LICENSE_CHECK[] = "plinth.license-check/1";
/* ABI 1.4: the same check, plus check_cached (plinth_license_check_v2 below). */
static const char PLINTH_EXT_LICENSE_CHECK_V2[] = "plinth.license-check/2";

/* Verdict codes in order of precedence (the first that applies wins). Never renumbered. */
typedef enum plinth_license_code {
    PLINTH_LICENSE_VALID = 0,
    PLINTH_LICENSE_MALFORMED = 1,          /* key fails its format or checksum: no lookup made */
    PLINTH_LICENSE_NOT_FOUND = 2,
    PLINTH_LICENSE_REVOKED = 3,
    PLINTH_LICENSE_SUSPENDED = 4,
    PLINTH_LICENSE_PRODUCT_MISMATCH = 5,
    PLINTH_LICENSE_EXPIRED = 6,
    PLINTH_LICENSE_EXPIRED_IN_GRACE = 7,   /* past expiry but within grace days: still valid */
    PLINTH_LICENSE_SITE_NOT_ACTIVATED = 8,
    PLINTH_LICENSE_INVALID_SITE = 9        /* the site is not an http(s) URL we can canonicalise */
} plinth_license_code;

/* How a valid site is covered (plinth_license_verdict.coverage). Appended in ABI 1.1. */
typedef enum plinth_license_coverage {
    PLINTH_LICENSE_COVERAGE_NONE = 0,         /* not covered (or a caller built before 1.1)      */
    PLINTH_LICENSE_COVERAGE_SITE = 1,         /* an activated site of a single-site license      */
    PLINTH_LICENSE_COVERAGE_MAIN = 2,         /* the main site of an activated network           */
    PLINTH_LICENSE_COVERAGE_SUBDOMAIN = 3,    /* a subdomain site of an activated network        */
    PLINTH_LICENSE_COVERAGE_SUBDIRECTORY = 4, /* a subdirectory site of an activated network     */
    PLINTH_LICENSE_COVERAGE_MAPPED = 5        /* a domain-mapped site activated in a network     */
} plinth_license_coverage;

typedef struct plinth_license_query {
    uint32_t struct_size;
    plinth_str key;     /* as the customer typed it; dashes and case are tolerated */
    plinth_str site;    /* the site URL; canonicalised by the module */
    plinth_str product; /* optional product slug; empty means "any" */
    /* Appended in ABI 1.1: the URL of the multisite network the site belongs to (its main site,
     * as WordPress's network_home_url() reports it); empty for none. A query whose struct_size
     * ends before it names no network. Borrowed for the call, like the strings above. */
    plinth_str network;
} plinth_license_query;
PLINTH_PIN_AT(plinth_license_query, key, 8);
PLINTH_PIN_AT(plinth_license_query, site, 24);
PLINTH_PIN_AT(plinth_license_query, product, 40);
PLINTH_PIN_AT(plinth_license_query, network, 56);
PLINTH_PIN_SIZE(plinth_license_query, 72);

typedef struct plinth_license_verdict {
    uint32_t struct_size;
    int32_t code;            /* plinth_license_code */
    int32_t valid;           /* 1 when the site may run the product (VALID, EXPIRED_IN_GRACE) */
    int32_t site_exempt;     /* 1 when the site is local/staging and takes no seat */
    int32_t seat_limit;      /* -1 means unlimited */
    int32_t seats_used;
    int64_t expires_at;      /* Unix seconds; 0 when the license never expires */
    int64_t grace_ends_at;   /* Unix seconds; 0 when there is no expiry */
    /* Appended in ABI 1.1; written only when struct_size covers them. For a network license
     * seat_limit and seats_used count networks. */
    int64_t network_id;      /* the activated network that covers the site (as license.get lists it); 0 when none */
    int32_t coverage;        /* plinth_license_coverage */
} plinth_license_verdict;
PLINTH_PIN_AT(plinth_license_verdict, code, 4);
PLINTH_PIN_AT(plinth_license_verdict, valid, 8);
PLINTH_PIN_AT(plinth_license_verdict, site_exempt, 12);
PLINTH_PIN_AT(plinth_license_verdict, seat_limit, 16);
PLINTH_PIN_AT(plinth_license_verdict, seats_used, 20);
PLINTH_PIN_AT(plinth_license_verdict, expires_at, 24);
PLINTH_PIN_AT(plinth_license_verdict, grace_ends_at, 32);
PLINTH_PIN_AT(plinth_license_verdict, network_id, 40);
PLINTH_PIN_AT(plinth_license_verdict, coverage, 48);
PLINTH_PIN_SIZE(plinth_license_verdict, 56);

typedef struct plinth_license_check_v1 {
    uint32_t struct_size;
    /* Fills `verdict` (caller-owned, struct_size set) for `query`. Returns PLINTH_OK whenever a
     * verdict was reached, whatever its code; an error status only when none could be (database
     * down on a cache miss). Never writes to the database. [thread-safe] */
    int32_t (*check)(const plinth_module *self, const plinth_license_query *query,
                     plinth_license_verdict *verdict, plinth_error *error);
} plinth_license_check_v1;
PLINTH_PIN_AT(plinth_license_check_v1, check, 8);
PLINTH_PIN_SIZE(plinth_license_check_v1, 16);

/* Rationale: a caller on a thread that must never wait (an HTTP server's I/O thread) can answer
 * from the cache itself and hand only the misses to a thread that may wait; with /1 alone it
 * cannot tell a miss from a hit before the call, and a miss waits for the database. */
typedef struct plinth_license_check_v2 {
    uint32_t struct_size;
    /* As in plinth_license_check_v1. [thread-safe] */
    int32_t (*check)(const plinth_module *self, const plinth_license_query *query,
                     plinth_license_verdict *verdict, plinth_error *error);
    /* The check answered from memory only: never waits for the database or a lock held across
     * one. Sets *answered to 1 and fills `verdict` when it could answer; to 0, leaving `verdict`
     * as it was, when the answer needs the database (call check then, from a thread that may
     * wait). Returns PLINTH_OK in both cases; an error status only for bad arguments.
     * [thread-safe] */
    int32_t (*check_cached)(const plinth_module *self, const plinth_license_query *query,
                            plinth_license_verdict *verdict, int32_t *answered, plinth_error *error);
} plinth_license_check_v2;
PLINTH_PIN_AT(plinth_license_check_v2, check, 8);
PLINTH_PIN_AT(plinth_license_check_v2, check_cached, 16);
PLINTH_PIN_SIZE(plinth_license_check_v2, 24);

#ifdef __cplusplus
}
#endif

#endif
