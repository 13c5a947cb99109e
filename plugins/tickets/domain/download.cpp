#include "download.hpp"

#include <plinth/sdk/text.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace plinth::tickets {
namespace {

// Types a browser shows or saves without running anything in the page's origin.
constexpr std::string_view kPassiveMediaTypes[] = {
    "text/plain",       "text/csv",         "application/pdf",   "application/json",  "application/zip",
    "application/gzip", "application/x-gzip", "application/x-tar", "application/x-xz", "application/x-bzip2",
    "application/x-7z-compressed", "application/octet-stream", "image/png", "image/jpeg", "image/gif",
    "image/webp",       "image/avif",       "image/bmp",         "image/tiff",        "video/mp4",
    "video/webm",       "audio/mpeg",       "audio/ogg",         "audio/wav"};

// Types a browser renders as a document that can run script or load other resources.
constexpr std::string_view kActiveMediaTypes[] = {
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
    "application/xslt+xml", "text/x-component", "application/x-shockwave-flash",
    "application/vnd.adobe.flash.movie", "multipart/related", "message/rfc822", "application/x-mimearchive",
    "text/ecmascript", "application/ecmascript", "text/vtt", "text/cache-manifest"};

constexpr std::string_view kActiveExtensions[] = {"html", "htm",  "xhtml", "xht",  "shtml", "shtm", "svg",
                                                  "svgz", "xml",  "xsl",   "xslt", "rss",   "atom", "mht",
                                                  "mhtml", "swf", "htc",   "xbl",  "vtt"};

// The HTML patterns of the WHATWG MIME sniffing standard (each must be followed by a space or
// '>'), plus SVG and XML.
constexpr std::string_view kHtmlStarts[] = {"<!doctype html", "<html", "<head", "<script", "<iframe", "<h1",
                                            "<div", "<font", "<table", "<a", "<style", "<title", "<b",
                                            "<body", "<br", "<p", "<!--"};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string essence_of(std::string_view media_type) {
    std::string e = lower(media_type.substr(0, media_type.find(';')));
    while (!e.empty() && e.back() == ' ') e.pop_back();
    return e;
}

template <size_t N>
bool listed(const std::string_view (&list)[N], std::string_view value) {
    return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<std::string> active_extension(std::string_view name) {
    for (size_t dot = name.find('.'); dot != std::string_view::npos;) {
        size_t next = name.find('.', dot + 1);
        std::string ext = lower(name.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1));
        while (!ext.empty() && ext.back() == ' ') ext.pop_back();
        if (listed(kActiveExtensions, ext)) return ext;
        dot = next;
    }
    return std::nullopt;
}

std::optional<std::string> markup_start(std::span<const uint8_t> content) {
    std::string_view text(reinterpret_cast<const char *>(content.data()), content.size());
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    auto space = [](char c) { return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    std::string head = lower(text.substr(0, 32));
    for (std::string_view pattern : kHtmlStarts) {
        if (head.compare(0, pattern.size(), pattern) != 0 || head.size() <= pattern.size()) continue;
        char after = head[pattern.size()];
        if (after == ' ' || after == '>') return std::string("HTML");
    }
    if (head.rfind("<svg", 0) == 0) return std::string("SVG");
    if (head.rfind("<?xml", 0) == 0) return std::string("XML");
    return std::nullopt;
}

bool attr_char(unsigned char c) { // RFC 8187 attr-char
    return std::isalnum(c) || std::strchr("!#$&+-.^_`|~", c) != nullptr;
}

} // namespace

std::optional<std::string> active_content(std::string_view file_name, std::string_view media_type,
                                          std::span<const uint8_t> content) {
    std::string essence = essence_of(media_type);
    if (listed(kActiveMediaTypes, essence) || ends_with(essence, "+xml"))
        return "the media type " + essence;
    if (auto ext = active_extension(file_name)) return "the extension ." + *ext;
    if (auto kind = markup_start(content)) return "its content starts like " + *kind;
    return std::nullopt;
}

std::string attachment_disposition(std::string_view file_name) {
    std::string fallback, encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    auto percent = [&](std::string_view bytes) {
        for (char ch : bytes) {
            unsigned char c = static_cast<unsigned char>(ch);
            if (attr_char(c)) {
                encoded += ch;
            } else {
                encoded += '%';
                encoded += kHex[c >> 4];
                encoded += kHex[c & 0x0F];
            }
        }
    };
    for (size_t i = 0; i < file_name.size();) {
        size_t start = i;
        int32_t cp = sdk::text::next_code_point(file_name, i);
        if (cp < 0) { // not UTF-8 (never stored by this version): one '_' per byte
            ++i;
            fallback += '_';
            encoded += '_';
            continue;
        }
        // Names stored before the name rule existed may still hold what it refuses: a saved
        // file must not be spoofed by a bidirectional override either.
        if (sdk::text::is_control(cp) || sdk::text::is_line_separator(cp) || sdk::text::is_bidi_control(cp)) {
            fallback += '_';
            encoded += '_';
            continue;
        }
        // The quoted fallback is ASCII; '"', '\' and '%' are replaced because user agents
        // disagree on escapes inside it.
        fallback += (cp >= 0x80 || cp == '"' || cp == '\\' || cp == '%') ? '_' : static_cast<char>(cp);
        percent(file_name.substr(start, i - start));
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

std::vector<std::pair<std::string, std::string>> download_headers(std::string_view file_name,
                                                                  std::string_view media_type,
                                                                  std::span<const uint8_t> content) {
    std::string essence = essence_of(media_type);
    bool passive = listed(kPassiveMediaTypes, essence) && !active_content(file_name, media_type, content);
    return {{"Content-Type", passive ? essence : std::string("application/octet-stream")},
            {"Content-Disposition", attachment_disposition(file_name)},
            {"X-Content-Type-Options", "nosniff"},
            {"Content-Security-Policy", "sandbox; default-src 'none'"},
            {"Cache-Control", "private, no-store"}};
}

} // namespace plinth::tickets
