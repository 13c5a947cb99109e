/* plinth/ext/release_download.h — serving a release's package from a signed download URL.
 *
 * The releases module hands sites URLs of the form
 *   {public_url}/v1/releases/download/{product}/{version}/{file}?site=..&expires=..&signature=..
 * The HTTP face takes the fields apart and asks this interface to verify them and to stream the
 * bytes. No JSON: a package is binary and may be large, so it flows through a sink in pieces.
 *
 * Rationale: verification is repeated by read() (it is stateless and cheap next to the bytes), so
 * the host never holds a "ticket" between calls and a link that expires or a release that is
 * yanked between open() and read() stops at once.
 */
#ifndef PLINTH_EXT_RELEASE_DOWNLOAD_H
#define PLINTH_EXT_RELEASE_DOWNLOAD_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_RELEASE_DOWNLOAD[] = "plinth.release-download/1";

/* The fields of a download URL, as they arrived (untrusted). All strings are borrowed for the
 * call. */
typedef struct plinth_download_request {
    uint32_t struct_size;
    plinth_str product;   /* path segment */
    plinth_str version;   /* path segment */
    plinth_str site;      /* query "site": the site digest */
    int64_t expires_at;   /* query "expires": Unix seconds */
    plinth_str signature; /* query "signature" */
} plinth_download_request;
PLINTH_PIN_AT(plinth_download_request, product, 8);
PLINTH_PIN_AT(plinth_download_request, version, 24);
PLINTH_PIN_AT(plinth_download_request, site, 40);
PLINTH_PIN_AT(plinth_download_request, expires_at, 56);
PLINTH_PIN_AT(plinth_download_request, signature, 64);
PLINTH_PIN_SIZE(plinth_download_request, 80);

typedef struct plinth_download_info {
    uint32_t struct_size;
    uint64_t size;        /* bytes of the package */
    char sha256_hex[65];  /* lowercase hex, NUL-terminated: use as the ETag */
    int64_t release_id;
} plinth_download_info;
PLINTH_PIN_AT(plinth_download_info, size, 8);
PLINTH_PIN_AT(plinth_download_info, sha256_hex, 16);
PLINTH_PIN_AT(plinth_download_info, release_id, 88);
PLINTH_PIN_SIZE(plinth_download_info, 96);

typedef struct plinth_release_download_v1 {
    uint32_t struct_size;

    /* Verifies `request` (signature in constant time, then expiry, then that the release exists
     * and is not yanked) and fills `info` (caller-owned, struct_size set). Errors:
     * PLINTH_E_UNAUTHENTICATED (malformed or tampered), PLINTH_E_EXPIRED, PLINTH_E_NOT_FOUND.
     * [thread-safe] */
    int32_t (*open)(const plinth_module *self, const plinth_download_request *request,
                    plinth_download_info *info, plinth_error *error);

    /* Verifies `request` as open() does, then writes bytes [offset, offset + length) of the
     * package to `out`, in pieces of at most 1 MiB (each valid only during its write call). A
     * read that starts at byte 0 counts one download of the release (an aggregate per day).
     * A range outside the package is PLINTH_E_INVALID_ARGUMENT; a refusing sink PLINTH_E_SINK.
     * [thread-safe] */
    int32_t (*read)(const plinth_module *self, const plinth_download_request *request, uint64_t offset,
                    uint64_t length, const plinth_sink *out, plinth_error *error);
} plinth_release_download_v1;
PLINTH_PIN_AT(plinth_release_download_v1, open, 8);
PLINTH_PIN_AT(plinth_release_download_v1, read, 16);
PLINTH_PIN_SIZE(plinth_release_download_v1, 24);

#ifdef __cplusplus
}
#endif

#endif
