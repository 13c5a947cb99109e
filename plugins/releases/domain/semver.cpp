#include "semver.hpp"

#include <algorithm>
#include <charconv>

namespace plinth::releases {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_identifier_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool all_digits(std::string_view s) {
    for (char c : s)
        if (!is_digit(c)) return false;
    return !s.empty();
}

// A numeric part: digits only, at most 2^63-1; leading zeros allowed only when `lenient`.
std::optional<uint64_t> number(std::string_view s, bool lenient) {
    if (!all_digits(s)) return std::nullopt;
    if (!lenient && s.size() > 1 && s[0] == '0') return std::nullopt;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return n;
}

std::vector<std::string_view> split_dots(std::string_view s) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t dot = s.find('.', start);
        parts.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

// Pre-release and build parts, common to both parsers. `rest` starts after the numeric core.
bool parse_suffix(std::string_view rest, Version &v) {
    size_t plus = rest.find('+');
    std::string_view pre = rest.substr(0, plus);
    if (!pre.empty()) {
        if (pre[0] != '-' || pre.size() == 1) return false;
        for (std::string_view id : split_dots(pre.substr(1))) {
            if (id.empty()) return false;
            for (char c : id)
                if (!is_identifier_char(c)) return false;
            if (all_digits(id) && id.size() > 1 && id[0] == '0') return false;
            v.pre_release.emplace_back(id);
        }
    }
    if (plus != std::string_view::npos) {
        std::string_view build = rest.substr(plus + 1);
        for (std::string_view id : split_dots(build)) {
            if (id.empty()) return false;
            for (char c : id)
                if (!is_identifier_char(c)) return false;
        }
        v.build = std::string(build);
    }
    return true;
}

int compare_identifiers(std::string_view a, std::string_view b) {
    bool an = all_digits(a), bn = all_digits(b);
    if (an && bn) {
        // No leading zeros in stored identifiers, so the longer number is the larger.
        if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
        return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
    }
    if (an != bn) return an ? -1 : 1;
    int c = a.compare(b); // ASCII order, as §11 requires
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

} // namespace

std::string Version::text() const {
    std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    for (size_t i = 0; i < pre_release.size(); ++i) s += (i == 0 ? "-" : ".") + pre_release[i];
    if (!build.empty()) s += "+" + build;
    return s;
}

std::optional<Version> parse_semver(std::string_view text) {
    if (text.empty() || text.size() > kMaxVersionBytes) return std::nullopt;
    size_t core_end = text.find_first_of("-+");
    std::vector<std::string_view> core = split_dots(text.substr(0, core_end));
    if (core.size() != 3) return std::nullopt;
    Version v;
    auto major = number(core[0], false), minor = number(core[1], false), patch = number(core[2], false);
    if (!major || !minor || !patch) return std::nullopt;
    v.major = *major;
    v.minor = *minor;
    v.patch = *patch;
    if (core_end != std::string_view::npos && !parse_suffix(text.substr(core_end), v)) return std::nullopt;
    return v;
}

std::optional<Version> parse_installed_version(std::string_view text) {
    if (text.empty() || text.size() > kMaxVersionBytes) return std::nullopt;
    if (text[0] == 'v' || text[0] == 'V') text.remove_prefix(1);
    size_t core_end = text.find_first_of("-+");
    std::vector<std::string_view> core = split_dots(text.substr(0, core_end));
    if (core.empty() || core.size() > 3) return std::nullopt;
    uint64_t parts[3] = {0, 0, 0};
    for (size_t i = 0; i < core.size(); ++i) {
        auto n = number(core[i], true);
        if (!n) return std::nullopt;
        parts[i] = *n;
    }
    Version v;
    v.major = parts[0];
    v.minor = parts[1];
    v.patch = parts[2];
    if (core_end != std::string_view::npos && !parse_suffix(text.substr(core_end), v)) return std::nullopt;
    // Leniency stops at the core: a pre-release identifier with a leading zero is still refused
    // above, so every parsed version orders by the same rules as a published one.
    return v;
}

int compare(const Version &a, const Version &b) noexcept {
    if (a.major != b.major) return a.major < b.major ? -1 : 1;
    if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
    if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
    if (a.pre_release.empty() || b.pre_release.empty()) {
        if (a.pre_release.empty() == b.pre_release.empty()) return 0;
        return a.pre_release.empty() ? 1 : -1; // the normal version outranks its pre-releases
    }
    size_t n = std::min(a.pre_release.size(), b.pre_release.size());
    for (size_t i = 0; i < n; ++i)
        if (int c = compare_identifiers(a.pre_release[i], b.pre_release[i]); c != 0) return c;
    if (a.pre_release.size() == b.pre_release.size()) return 0;
    return a.pre_release.size() < b.pre_release.size() ? -1 : 1;
}

} // namespace plinth::releases
