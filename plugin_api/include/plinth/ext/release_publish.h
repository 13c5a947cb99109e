/* plinth/ext/release_publish.h — publishing a release whose package arrives as bytes.
 *
 * The console names a file ("package":"@/path.zip" in the release.publish command). Staff over
 * HTTP upload the zip as the request body instead; the HTTP face hands it to this interface
 * together with the same arguments, without wrapping binary data in JSON.
 */
#ifndef PLINTH_EXT_RELEASE_PUBLISH_H
#define PLINTH_EXT_RELEASE_PUBLISH_H

#include "command.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_RELEASE_PUBLISH[] = "plinth.release-publish/1";

typedef struct plinth_release_publish_v1 {
    uint32_t struct_size;

    /* Publishes a release as the command release.publish does: `arguments` is its JSON object
     * without "package"; `package` (`package_size` bytes, borrowed for the call) is the zip. The
     * caller must be staff. On PLINTH_OK the release, as release.publish returns it, is written to
     * `out`; on failure nothing was stored. [thread-safe] */
    int32_t (*publish)(const plinth_module *self, const plinth_call_context *caller, plinth_str arguments,
                       const uint8_t *package, size_t package_size, const plinth_sink *out, plinth_error *error);
} plinth_release_publish_v1;
PLINTH_PIN_AT(plinth_release_publish_v1, publish, 8);
PLINTH_PIN_SIZE(plinth_release_publish_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
