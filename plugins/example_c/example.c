/* plugins/example_c/example.c — a Plinth module in plain C99, with no SDK.
 *
 * It proves the ABI is usable from C: one exported entry, the magic block, an instance with
 * get_interface/destroy, and plinth.command/1 with two commands:
 *   hello  {}                    -> {"message":"hello from C","abi":"1.0"}
 *   add    {"a":INT,"b":INT}     -> {"sum":N}   (a tiny, strict parser: integers only)
 * It offers no personal-data interface, so the privacy inventory lists it as holding none.
 */
#include <plinth/plinth.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define EXAMPLE_EXPORT __attribute__((visibility("default")))
#else
#define EXAMPLE_EXPORT
#endif

typedef struct example_instance {
    plinth_module module;     /* first, so the instance pointer is the module pointer */
    const plinth_host *host;
} example_instance;

static int32_t fail(plinth_error *error, int32_t code, const char *message) {
    if (error != NULL && error->struct_size >= sizeof(plinth_error)) {
        error->code = code;
        error->db_errno = 0;
        snprintf(error->message, sizeof error->message, "%s", message);
    }
    return code;
}

static int32_t emit(const plinth_sink *out, const char *text, plinth_error *error) {
    if (out == NULL) return PLINTH_OK;
    if (out->write(out->context, text, strlen(text)) != 0) return fail(error, PLINTH_E_SINK, "sink refused output");
    return PLINTH_OK;
}

static int name_is(plinth_str name, const char *literal) {
    size_t n = strlen(literal);
    return name.size == n && memcmp(name.data, literal, n) == 0;
}

/* Finds "key": <integer> in a flat JSON object. Returns 1 on success, 0 when absent or not an
 * integer. Deliberately strict: this is an example, not a JSON library. */
static int find_integer(plinth_str json, const char *key, long long *value) {
    char pattern[32];
    char buffer[512];
    const char *at;
    char *end;
    if (json.size == 0 || json.size >= sizeof buffer) return 0;
    memcpy(buffer, json.data, json.size);
    buffer[json.size] = '\0';
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    at = strstr(buffer, pattern);
    if (at == NULL) return 0;
    at += strlen(pattern);
    while (*at == ' ' || *at == '\t') ++at;
    if (*at != ':') return 0;
    ++at;
    errno = 0;
    *value = strtoll(at, &end, 10);
    if (end == at || errno != 0) return 0;
    while (*end == ' ' || *end == '\t' || *end == '\n') ++end;
    return *end == ',' || *end == '}';
}

static int32_t command_list(const plinth_module *self, const plinth_sink *out, plinth_error *error) {
    (void)self;
    return emit(out,
                "[{\"name\":\"add\",\"summary\":\"Adds two integers\",\"access\":\"anonymous\"},"
                "{\"name\":\"hello\",\"summary\":\"Greets the caller\",\"access\":\"anonymous\"}]",
                error);
}

static int32_t command_execute(const plinth_module *self, const plinth_call_context *caller, plinth_str name,
                               plinth_str arguments, const plinth_sink *out, plinth_error *error) {
    char text[128];
    (void)self;
    (void)caller;
    if (name_is(name, "hello")) {
        snprintf(text, sizeof text, "{\"message\":\"hello from C\",\"abi\":\"%d.%d\"}", PLINTH_ABI_MAJOR,
                 PLINTH_ABI_MINOR);
        return emit(out, text, error);
    }
    if (name_is(name, "add")) {
        long long a, b;
        if (!find_integer(arguments, "a", &a) || !find_integer(arguments, "b", &b))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "arguments 'a' and 'b' must be integers");
        if ((b > 0 && a > LLONG_MAX - b) || (b < 0 && a < -LLONG_MAX - 1 - b))
            return fail(error, PLINTH_E_INVALID_ARGUMENT, "the sum does not fit in 64 bits");
        snprintf(text, sizeof text, "{\"sum\":%lld}", a + b);
        return emit(out, text, error);
    }
    return fail(error, PLINTH_E_UNSUPPORTED, "unknown command");
}

static const plinth_command_v1 command_table = {sizeof(plinth_command_v1), command_list, command_execute};

static const void *get_interface(const plinth_module *self, const char *id) {
    (void)self;
    if (id != NULL && strcmp(id, PLINTH_EXT_COMMAND) == 0) return &command_table;
    return NULL;
}

static void destroy(plinth_module *self) { free(self->module_data); }

static int32_t create(const plinth_host *host, plinth_module **out, plinth_error *error) {
    example_instance *instance;
    if (out == NULL) return fail(error, PLINTH_E_INVALID_ARGUMENT, "no output pointer");
    *out = NULL;
    instance = (example_instance *)calloc(1, sizeof *instance);
    if (instance == NULL) return fail(error, PLINTH_E_INTERNAL, "out of memory");
    instance->host = host;
    instance->module.struct_size = sizeof(plinth_module);
    instance->module.module_data = instance;
    instance->module.get_interface = get_interface;
    instance->module.destroy = destroy;
    *out = &instance->module;
    return PLINTH_OK;
}

static const plinth_module_entry entry = {
    sizeof(plinth_module_entry), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR, PLINTH_MAGIC_INIT,
    "example_c", "1.0.0", "A module written in plain C99 (the ABI proof)", NULL, 0, create};

EXAMPLE_EXPORT const plinth_module_entry *plinth_entry(void) { return &entry; }
