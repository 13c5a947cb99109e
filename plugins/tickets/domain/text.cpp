#include "text.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

#include <string>

namespace plinth::tickets {
namespace {

void check_length(std::string_view field, std::string_view value, size_t max_bytes) {
    if (value.size() > max_bytes)
        throw sdk::invalid_argument(std::string(field) + " is longer than " + std::to_string(max_bytes) + " bytes");
}

void check_not_blank(std::string_view field, std::string_view value) {
    for (char c : value)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    throw sdk::invalid_argument(std::string(field) + " must not be empty");
}

} // namespace

void check_line(std::string_view field, std::string_view value, size_t max_bytes) {
    check_length(field, value, max_bytes);
    sdk::text::check_name(field, value);
    check_not_blank(field, value);
}

void check_text(std::string_view field, std::string_view value, size_t max_bytes) {
    check_length(field, value, max_bytes);
    sdk::text::check_free_text(field, value);
    check_not_blank(field, value);
}

bool valid_utf8(std::string_view value) { return sdk::text::valid_utf8(value); }

} // namespace plinth::tickets
