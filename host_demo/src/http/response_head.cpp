#include "response_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <ostream>

namespace plinth::http {

namespace {

// RFC 9110 §5.6.2: tchar.
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

void append_number(std::string &out, uint64_t n) {
    char digits[24];
    out.append(digits, static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits));
}

void append_field(std::string &out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

} // namespace

bool is_valid_field(std::string_view name, std::string_view value) {
    for (char c : value)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    return is_token(name);
}

size_t write_response_head(std::string &out, const ResponseHead &head) {
    out.clear();
    out += head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(out, head.status);
    out += ' ';
    boost::beast::string_view reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(head.status));
    out.append(reason.data(), reason.size());
    out += "\r\n";
    append_field(out, "Date", http_date());
    if (!head.content_type.empty()) append_field(out, "Content-Type", head.content_type);
    if (!head.request_id.empty()) append_field(out, "X-Request-Id", head.request_id);
    size_t dropped = 0;
    if (!head.cache_control.empty()) {
        if (is_valid_field("Cache-Control", head.cache_control)) append_field(out, "Cache-Control", head.cache_control);
        else ++dropped;
    }
    if (head.fields != nullptr) {
        for (const auto &[name, value] : *head.fields) {
            if (!is_valid_field(name, value)) {
                ++dropped;
                continue;
            }
            append_field(out, name, value);
        }
    }
    if (!status_has_no_body(head.status)) {
        out += "Content-Length: ";
        append_number(out, head.content_length);
        out += "\r\n";
    }
    // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
    if (head.version == 10 && head.keep_alive) out += "Connection: keep-alive\r\n";
    if (head.version != 10 && !head.keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    return dropped;
}

std::string_view http_date() {
    thread_local std::time_t formatted_second = -1;
    thread_local std::array<char, 32> text{};
    thread_local size_t length = 0;
    std::time_t now = std::time(nullptr);
    if (now != formatted_second) {
        std::tm utc{};
        gmtime_r(&now, &utc);
        // strftime's %a and %b follow the locale: the names are spelled out here instead.
        static constexpr const char *kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static constexpr const char *kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int n = std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday],
                              utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                              utc.tm_sec);
        length = n > 0 ? static_cast<size_t>(n) : 0;
        formatted_second = now;
    }
    return {text.data(), length};
}

} // namespace plinth::http
