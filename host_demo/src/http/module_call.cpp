#include "module_call.hpp"

#include "json_text.hpp"

#include <plinth/sdk/host.hpp>

#include <cstring>

namespace plinth::http {

namespace {

// Collects a module's answer up to a bound: past it the module is told to stop (PLINTH_E_SINK).
struct BoundedSink {
    std::string text;
    size_t limit = 0;
    bool overflowed = false;
    plinth_sink sink{sizeof(plinth_sink), this, &BoundedSink::write};
    static int32_t write(void *context, const char *bytes, size_t size) {
        auto *self = static_cast<BoundedSink *>(context);
        if (self->text.size() + size > self->limit) {
            self->overflowed = true;
            return 1;
        }
        try {
            self->text.append(bytes, size);
            return 0;
        } catch (...) {
            return 1;
        }
    }
};

} // namespace

bool module_refused_at_start(const host::Host &host, std::string_view module_id) {
    for (const auto &info : host.modules())
        if (!info.loaded && !info.skipped && !info.id.empty() && info.id == module_id) return true;
    return false;
}

CommandOutcome call_module_command(const host::Host &host, const plinth_call_context &caller,
                                   std::string_view module_id, std::string_view command,
                                   std::string_view arguments, size_t response_limit) {
    CommandOutcome out;
    const plinth_module *m = host.module(module_id);
    if (m == nullptr) {
        if (module_refused_at_start(host, module_id)) {
            out.status = PLINTH_E_UNAVAILABLE;
            out.message = "module '" + std::string(module_id) + "' is not available right now";
            return out;
        }
        out.status = PLINTH_E_NOT_FOUND;
        out.message = "no loaded module '" + std::string(module_id) + "'";
        return out;
    }
    auto *commands = sdk::Interface<plinth_command_v1>::of(m).get(); // checked: size and functions
    if (commands == nullptr) {
        out.status = PLINTH_E_NOT_FOUND;
        out.message = "module '" + std::string(module_id) + "' offers no commands";
        return out;
    }
    BoundedSink sink;
    sink.limit = response_limit;
    plinth_error error = sdk::make_error();
    int32_t rc = commands->execute(m, &caller, sdk::to_str(command), sdk::to_str(arguments), &sink.sink, &error);
    if (rc != PLINTH_OK) {
        out.status = sink.overflowed ? PLINTH_E_INTERNAL : rc;
        out.message = sink.overflowed ? std::string("the module's answer is too large")
                                      : std::string(error.message, strnlen(error.message, sizeof error.message));
        return out;
    }
    if (!is_well_formed_json(sink.text)) {
        out.status = PLINTH_E_INTERNAL;
        out.message = "module '" + std::string(module_id) + "' answered invalid JSON";
        return out;
    }
    out.text = std::move(sink.text);
    return out;
}

} // namespace plinth::http
