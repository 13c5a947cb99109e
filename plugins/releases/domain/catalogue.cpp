#include "catalogue.hpp"

namespace plinth::releases {

bool valid_product_slug(std::string_view slug) {
    if (slug.empty() || slug.size() > 64 || slug[0] == '-') return false;
    for (char c : slug)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

bool valid_platform_version(std::string_view version) {
    if (version.empty() || version.size() > 20 || version.front() == '.' || version.back() == '.') return false;
    for (char c : version)
        if (!((c >= '0' && c <= '9') || c == '.')) return false;
    return version.find("..") == std::string_view::npos;
}

bool valid_public_link(std::string_view url) {
    if (url.size() > 500) return false;
    if (!(url.substr(0, 8) == "https://" || url.substr(0, 7) == "http://")) return false;
    for (char c : url)
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`')
            return false;
    return url.size() > 8;
}

bool looks_like_zip(std::string_view b) {
    return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' &&
           ((b[2] == '\x03' && b[3] == '\x04') || (b[2] == '\x05' && b[3] == '\x06'));
}

} // namespace plinth::releases
