/* plinth/base.h — types shared by every part of the Plinth C ABI.
 *
 * Rules that hold for everything declared under plinth/ (see docs/abi.md):
 *  - C99, fixed-width integers, enums cross as int32_t, no C++ type crosses.
 *  - Every data struct that crosses begins with `struct_size`; fields are only appended; zero means
 *    default; a receiver copies min(struct_size, sizeof) into a zeroed local before reading.
 *  - Memory never changes owner. Pointers handed to a callee are valid for the duration of that
 *    call only unless a comment says otherwise; output flows through caller-provided sinks.
 *  - Strings are UTF-8, passed as pointer + length (plinth_str); they are not NUL-terminated unless
 *    a comment says so.
 *  - No exception, longjmp or abort crosses the boundary.
 *  - Thread rules: [thread-safe] any thread, concurrently; [main-thread] only the thread that
 *    loaded the module; [instance-serialized] any thread, but never two calls at once on one
 *    instance.
 */
#ifndef PLINTH_BASE_H
#define PLINTH_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version this header describes. Major changes break; minor only appends. */
#define PLINTH_ABI_MAJOR 1
#define PLINTH_ABI_MINOR 4

/* Layout pins. Every struct that crosses the boundary is followed by PLINTH_PIN_SIZE and
 * PLINTH_PIN_AT checks of its size and of every member's offset on 64-bit targets (x86_64,
 * aarch64), so a change that would move a field fails to compile in every host and module that
 * includes the header instead of breaking at run time. C11 and C++11 use their static assertion;
 * C99 declares an array whose size is negative when the check fails (never defined, never used).
 * Rationale: the pins sit next to the struct they pin, so nobody edits one without the other. */
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
#if defined(__cplusplus)
#define PLINTH_LAYOUT(tag, condition) static_assert(condition, "Plinth ABI layout changed: " #tag)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define PLINTH_LAYOUT(tag, condition) _Static_assert(condition, "Plinth ABI layout changed: " #tag)
#else
#define PLINTH_LAYOUT(tag, condition) extern char plinth_layout_##tag[(condition) ? 1 : -1]
#endif
#else /* layouts are pinned for 64-bit pointers only; elsewhere the checks compile to nothing */
#define PLINTH_LAYOUT(tag, condition) extern char plinth_layout_##tag[1]
#endif
#define PLINTH_PIN_SIZE(type, size) PLINTH_LAYOUT(type##_size, sizeof(type) == (size))
#define PLINTH_PIN_AT(type, member, offset) PLINTH_LAYOUT(type##_##member, offsetof(type, member) == (offset))

/* Status codes returned by every fallible function (int32_t on the wire). Never renumbered. */
typedef enum plinth_status {
    PLINTH_OK = 0,
    PLINTH_E_INVALID_ARGUMENT = 1, /* malformed input: bad JSON, wrong type, out of range      */
    PLINTH_E_NOT_FOUND = 2,        /* the named thing does not exist (or is not visible)       */
    PLINTH_E_PERMISSION_DENIED = 3,/* caller context lacks the role or ownership needed        */
    PLINTH_E_UNAUTHENTICATED = 4,  /* credentials or token wrong, unknown or expired           */
    PLINTH_E_CONFLICT = 5,         /* violates a uniqueness or state rule (duplicate, wrong state) */
    PLINTH_E_LIMIT_EXCEEDED = 6,   /* a quota, seat limit or size limit would be exceeded      */
    PLINTH_E_THROTTLED = 7,        /* too many attempts; retry later                           */
    PLINTH_E_UNSUPPORTED = 8,      /* unknown command, interface or version                    */
    PLINTH_E_DATABASE = 9,         /* the database failed; error.db_errno holds its code       */
    PLINTH_E_UNAVAILABLE = 10,     /* a dependency (service, module) is not available          */
    PLINTH_E_EXPIRED = 11,         /* a token, request or credential has expired               */
    PLINTH_E_SINK = 12,            /* the caller's sink refused the output                     */
    PLINTH_E_INTERNAL = 13,        /* a bug; the message says where                            */
    /* Appended in ABI 1.1; a 1.0 host reports it as an unknown code (treat as internal). */
    PLINTH_E_RESOURCE_EXHAUSTED = 14 /* a machine resource (disk space, memory budget) ran out */
} plinth_status;
PLINTH_LAYOUT(status_codes_never_renumbered, PLINTH_OK == 0 && PLINTH_E_INTERNAL == 13 &&
                                             PLINTH_E_RESOURCE_EXHAUSTED == 14);

/* A borrowed UTF-8 string: `data` may be NULL only when `size` is 0.
 * Rationale: a value type of two words, frozen forever like a primitive; it does not carry
 * struct_size because it will never grow. */
typedef struct plinth_str {
    const char *data; /* not NUL-terminated; owned by whoever passed it */
    size_t size;      /* bytes, not characters */
} plinth_str;
PLINTH_PIN_AT(plinth_str, data, 0);
PLINTH_PIN_AT(plinth_str, size, 8);
PLINTH_PIN_SIZE(plinth_str, 16);

#define PLINTH_ERROR_MESSAGE_CAPACITY 512

/* Optional, caller-owned error detail. Functions that take `plinth_error *error` accept NULL.
 * The callee writes only the fields that fit inside error->struct_size. */
typedef struct plinth_error {
    uint32_t struct_size; /* sizeof(plinth_error), set by the caller */
    int32_t code;         /* the same plinth_status the function returned */
    int32_t db_errno;     /* MariaDB error number for PLINTH_E_DATABASE; 2013 for an unknown COMMIT outcome, else 0 */
    char message[PLINTH_ERROR_MESSAGE_CAPACITY]; /* NUL-terminated, truncated to fit; never holds secrets */
} plinth_error;
PLINTH_PIN_AT(plinth_error, code, 4);
PLINTH_PIN_AT(plinth_error, db_errno, 8);
PLINTH_PIN_AT(plinth_error, message, 12);
PLINTH_PIN_SIZE(plinth_error, 524);

/* A byte sink the caller provides for output of unknown size (JSON documents, reports).
 * The callee calls write() zero or more times; the bytes are valid only during each call.
 * write returns 0 to continue, anything else to make the callee stop with PLINTH_E_SINK. */
typedef struct plinth_sink {
    uint32_t struct_size;
    void *context; /* opaque to the callee, passed back to write() */
    int32_t (*write)(void *context, const char *bytes, size_t size); /* [same thread as the call it serves] */
} plinth_sink;
PLINTH_PIN_AT(plinth_sink, context, 8);
PLINTH_PIN_AT(plinth_sink, write, 16);
PLINTH_PIN_SIZE(plinth_sink, 24);

#ifdef __cplusplus
}
#endif

#endif /* PLINTH_BASE_H */
