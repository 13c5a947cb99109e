#include "text.hpp"

namespace plinth::privacy {

std::string markdown_cell(std::string_view text) {
    if (text.empty()) return "—";
    std::string out;
    out.reserve(text.size() + 8);
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        switch (c) {
        case '|': out += "\\|"; break;
        case '\\': out += "\\\\"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '\r': break;
        case '\n': out += ' '; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace plinth::privacy
