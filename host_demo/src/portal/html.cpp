#include "html.hpp"

#include <plinth/sdk/display.hpp>

#include <ctime>
#include <stdexcept>
#include <vector>

namespace plinth::portal {

namespace {

// The page is UTF-8: text is repaired first (invalid sequences become U+FFFD, nothing is cut),
// then escaped by the SDK's one HTML escaping function.
std::string escaped(std::string_view text) { return sdk::html_escape(sdk::repair_utf8(text, text.size() * 3 + 3)); }

} // namespace

Html escape(std::string_view text) { return Html(escaped(text)); }

Html render(std::string_view tmpl, std::initializer_list<Slot> slots) {
    std::string out;
    out.reserve(tmpl.size() + 256);
    std::vector<bool> used(slots.size(), false);
    size_t at = 0;
    while (true) {
        size_t open = tmpl.find("{{", at);
        if (open == std::string_view::npos) break;
        size_t close = tmpl.find("}}", open + 2);
        if (close == std::string_view::npos) throw std::logic_error("template: unclosed {{");
        out.append(tmpl.substr(at, open - at));
        std::string_view name = tmpl.substr(open + 2, close - open - 2);
        bool found = false;
        size_t i = 0;
        for (const Slot &s : slots) {
            if (s.name == name) {
                if (const auto *text = std::get_if<std::string_view>(&s.value)) out += escaped(*text);
                else out += std::get<Html>(s.value).str();
                used[i] = found = true;
                break;
            }
            ++i;
        }
        if (!found) throw std::logic_error("template: no value for slot '" + std::string(name) + "'");
        at = close + 2;
    }
    out.append(tmpl.substr(at));
    size_t i = 0;
    for (const Slot &s : slots)
        if (!used[i++]) throw std::logic_error("template: value '" + std::string(s.name) + "' has no slot");
    return Html(std::move(out));
}

std::string readable_time(int64_t unix_seconds) {
    if (unix_seconds <= 0) return "—";
    static constexpr const char *kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                              "July",    "August",   "September", "October", "November", "December"};
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return "—";
    char clock[8];
    std::snprintf(clock, sizeof clock, "%02d:%02d", tm.tm_hour, tm.tm_min);
    return std::to_string(tm.tm_mday) + " " + kMonths[tm.tm_mon] + " " + std::to_string(tm.tm_year + 1900) + ", " +
           clock + " UTC";
}

std::string readable_time(std::string_view iso) {
    // YYYY-MM-DDTHH:MM:SS(Z|+00:00)
    std::tm tm{};
    if (iso.size() < 19 || iso[4] != '-' || iso[7] != '-' || (iso[10] != 'T' && iso[10] != ' ') || iso[13] != ':')
        return std::string(iso);
    auto num = [&](size_t pos, size_t len) {
        int v = 0;
        for (size_t i = pos; i < pos + len; ++i) {
            if (iso[i] < '0' || iso[i] > '9') return -1;
            v = v * 10 + (iso[i] - '0');
        }
        return v;
    };
    int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0)
        return std::string(iso);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return readable_time(static_cast<int64_t>(timegm(&tm)));
}

std::string masked_key(std::string_view key) {
    static constexpr std::string_view kDot = "\u2022";
    size_t keep = key.rfind('-');
    if (keep == std::string_view::npos) keep = key.size() >= 8 ? key.size() - 4 : key.size(); // short: all hidden
    std::string out;
    for (size_t i = 0; i < keep; ++i) out += key[i] == '-' ? std::string_view("-") : kDot;
    out += key.substr(keep);
    return out;
}

} // namespace plinth::portal
