// Archive entry names of the privacy export (privacy/domain/export_document.hpp): names a module
// gives its files are untrusted text.
//
// Input: a module id, then names, separated by NUL bytes; every name is placed in one archive.
// Properties: every path lies under files/<module>/ (for an id the host accepts,
// [a-z0-9_-]{1,64} as plinth/module.h states, exactly that folder; a longer id, which no loaded
// module can have, is shortened like any segment, so then one folder named by a prefix of the id
// for all of them), has no empty, "." or ".." segment, no segment starting with a dot, only
// [A-Za-z0-9._-] in segments; paths are unique, and no path is also the folder of another (so the
// archive unpacks everywhere).
#include "check.hpp"
#include "domain/export_document.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

using namespace plinth::privacy;

namespace {

// The module's folder in `path` ("files/<module>/"), checked to be named by the id or, for an id
// longer than the host allows, by a non-empty prefix of it.
std::string module_folder(const std::string &path, std::string_view module) {
    FUZZ_CHECK(path.rfind("files/", 0) == 0, path);
    size_t end = path.find('/', 6);
    FUZZ_CHECK(end != std::string::npos, path);
    std::string_view folder(path.data() + 6, end - 6);
    if (module.size() <= 64) FUZZ_CHECK(folder == module, path);
    else FUZZ_CHECK(!folder.empty() && module.substr(0, folder.size()) == folder, path);
    return path.substr(0, end + 1);
}

void check_path(const std::string &path, const std::string &module_dir) {
    FUZZ_CHECK(path.rfind(module_dir, 0) == 0, path);
    size_t start = 0;
    int segments = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string_view segment(path.data() + start, end - start);
        FUZZ_CHECK(!segment.empty() && segment.front() != '.', path);
        FUZZ_CHECK(segment.size() <= 120, path);
        for (char c : segment)
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '_' || c == '-',
                       path);
        ++segments;
        start = end + 1;
    }
    FUZZ_CHECK(segments <= 2 + 8, path);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view input(reinterpret_cast<const char *>(data), size);
    std::vector<std::string_view> parts;
    for (size_t start = 0; start <= input.size();) {
        size_t end = input.find('\0', start);
        if (end == std::string_view::npos) end = input.size();
        parts.push_back(input.substr(start, end - start));
        start = end + 1;
    }
    if (parts.size() < 2 || parts[0].empty()) return 0;
    // The module id comes from the host, which only loads modules with ids of [a-z0-9_-]; longer
    // ids than it allows are kept, since archive_file_path must stay safe with them too.
    for (char c : parts[0])
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return 0;

    std::set<std::string> taken;
    std::vector<std::string> paths;
    std::string module_dir;
    for (size_t i = 1; i < parts.size(); ++i) {
        std::string path = archive_file_path(parts[0], parts[i], taken);
        if (module_dir.empty()) module_dir = module_folder(path, parts[0]);
        check_path(path, module_dir);
        paths.push_back(path);
    }
    std::set<std::string> unique(paths.begin(), paths.end());
    FUZZ_CHECK(unique.size() == paths.size(), std::string(input));
    for (const std::string &p : unique) {
        auto inside = unique.lower_bound(p + "/");
        FUZZ_CHECK(inside == unique.end() || inside->rfind(p + "/", 0) != 0, p + " is also the folder of " + *inside);
    }
    return 0;
}
