#include "account_directory.hpp"

#include <plinth/ext/subject_resolver.h>

#include <string>

namespace plinth::licenses {

std::optional<bool> account_exists(const sdk::Host &host, int64_t user_id) {
    auto resolvers = host.all<plinth_subject_resolver_v1>();
    if (resolvers.empty()) return std::nullopt;
    const auto &resolver = resolvers.front();
    if (!resolver.table)
        throw sdk::unavailable("module '" + std::string(resolver.module_id) + "' offers an unusable subject resolver");
    int64_t resolved = -1;
    // The callback runs inside the other module: it copies one integer and cannot throw.
    plinth_subject_sink sink{sizeof(plinth_subject_sink), &resolved, [](void *context, const plinth_subject *s) -> int32_t {
                                 if (s == nullptr || s->struct_size < offsetof(plinth_subject, user_id) + sizeof(int64_t))
                                     return 1;
                                 *static_cast<int64_t *>(context) = s->user_id;
                                 return 0;
                             }};
    plinth_error error = sdk::make_error();
    int32_t status = resolver.table->resolve(resolver.module, plinth_str{nullptr, 0}, user_id, &sink, &error);
    if (status != PLINTH_OK)
        // The message is the other module's text: message_of bounds it before it is quoted.
        throw sdk::unavailable("module '" + std::string(resolver.module_id) + "' could not look up user " +
                               std::to_string(user_id) + ": " + sdk::message_of(error, status));
    if (resolved < 0) throw sdk::unavailable("the subject resolver answered without a subject");
    // A user id that names no account (never existed, or erased) resolves to user_id 0.
    return resolved == user_id;
}

} // namespace plinth::licenses
