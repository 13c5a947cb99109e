#include "prompt.hpp"

#include <plinth/sdk/error.hpp>

#include <string>

namespace plinth::prompts {

namespace {

bool slug_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'; }

bool model_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == ':' || c == '/' || c == '@' || c == '+';
}

} // namespace

void check_feature(std::string_view feature) {
    if (feature.empty() || feature.size() > kMaxFeatureBytes)
        throw sdk::invalid_argument("argument 'feature' must be 1 to " + std::to_string(kMaxFeatureBytes) + " bytes");
    if (feature[0] == '.' || feature[0] == '_' || feature[0] == '-')
        throw sdk::invalid_argument("argument 'feature' must start with a lowercase letter or a digit");
    for (char c : feature)
        if (!slug_char(c))
            throw sdk::invalid_argument(
                "argument 'feature' may only contain lowercase letters, digits, '.', '_' and '-'");
}

void check_model(std::string_view model) {
    if (model.empty() || model.size() > kMaxModelBytes)
        throw sdk::invalid_argument("argument 'model' must be 1 to " + std::to_string(kMaxModelBytes) + " bytes");
    for (char c : model)
        if (!model_char(c))
            throw sdk::invalid_argument(
                "argument 'model' may only contain letters, digits and the characters . _ - : / @ +");
}

void check_text_size(std::string_view argument, size_t bytes, int64_t limit, std::string_view config_key) {
    if (static_cast<uint64_t>(bytes) > static_cast<uint64_t>(limit))
        throw sdk::limit_exceeded("argument '" + std::string(argument) + "' is " + std::to_string(bytes) +
                                  " bytes; the limit is " + std::to_string(limit) + " bytes (configuration '" +
                                  std::string(config_key) + "')");
}

int64_t resolve_owner(const Actor &actor, std::optional<int64_t> requested_user_id) {
    if (requested_user_id) {
        if (*requested_user_id <= 0) throw sdk::invalid_argument("argument 'user_id' must be a positive integer");
        if (actor.staff || actor.system || *requested_user_id == actor.user_id) return *requested_user_id;
        throw sdk::permission_denied("a user may only act on their own prompts");
    }
    if (actor.system) throw sdk::invalid_argument("missing argument 'user_id' (the host acts for no user)");
    if (actor.user_id <= 0) throw sdk::unauthenticated("this command needs a signed-in user");
    return actor.user_id;
}

std::string contains_pattern(std::string_view text) {
    std::string pattern = "%";
    pattern.reserve(text.size() + 2);
    for (char c : text) {
        if (c == '!' || c == '%' || c == '_') pattern += '!';
        pattern += c;
    }
    pattern += '%';
    return pattern;
}

} // namespace plinth::prompts
