/* hello.c — the smallest Plinth module, built out of tree against the installed SDK.
 *
 * tests/install/install_test.sh builds it twice, with CMake (find_package(Plinth)) and with
 * pkg-config (plinth.pc), and loads both with plinth-host. HELLO_ID names the module.
 * One command, "greet", through plinth.command/1. */
#include <plinth/plinth.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HELLO_ID
#define HELLO_ID "hello"
#endif

static int32_t emit(const plinth_sink *out, const char *text) {
    return out->write(out->context, text, strlen(text)) == 0 ? PLINTH_OK : PLINTH_E_SINK;
}

static int32_t list(const plinth_module *self, const plinth_sink *out, plinth_error *error) {
    (void)self;
    (void)error;
    return emit(out, "[{\"name\":\"greet\",\"summary\":\"Says hello\",\"access\":\"anonymous\"}]");
}

static int32_t execute(const plinth_module *self, const plinth_call_context *caller, plinth_str name,
                       plinth_str arguments, const plinth_sink *out, plinth_error *error) {
    (void)self;
    (void)caller;
    (void)arguments;
    if (name.size != 5 || memcmp(name.data, "greet", 5) != 0) {
        if (error != NULL) {
            error->code = PLINTH_E_UNSUPPORTED;
            snprintf(error->message, sizeof error->message, "unknown command");
        }
        return PLINTH_E_UNSUPPORTED;
    }
    return emit(out, "{\"hello\":\"" HELLO_ID "\"}");
}

static const plinth_command_v1 commands = {sizeof(plinth_command_v1), list, execute};
static const char *const interface_ids[] = {PLINTH_EXT_COMMAND, NULL};

static const void *get_interface(const plinth_module *self, const char *id) {
    (void)self;
    return id != NULL && strcmp(id, PLINTH_EXT_COMMAND) == 0 ? &commands : NULL;
}

static void destroy(plinth_module *self) { free(self); }

static int32_t create(const plinth_host *host, plinth_module **out, plinth_error *error) {
    plinth_module *m = (plinth_module *)calloc(1, sizeof *m);
    (void)host;
    (void)error;
    if (m == NULL) return PLINTH_E_INTERNAL;
    m->struct_size = sizeof *m;
    m->module_data = NULL;
    m->get_interface = get_interface;
    m->destroy = destroy;
    m->interface_ids = interface_ids;
    *out = m;
    return PLINTH_OK;
}

static const plinth_module_entry entry = {sizeof(plinth_module_entry), PLINTH_ABI_MAJOR, PLINTH_ABI_MINOR,
                                          PLINTH_MAGIC_INIT, HELLO_ID, "1.0.0", "Says hello (built out of tree)",
                                          NULL, 0, create};

__attribute__((visibility("default"))) const plinth_module_entry *plinth_entry(void) { return &entry; }
