#include "export_document.hpp"

#include "calendar.hpp"
#include "text.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace plinth::privacy {

namespace {

boost::json::object declared_json(const ExportGroup &g) {
    boost::json::object o;
    o["category"] = g.category;
    o["declared"] = g.declared.has_value();
    if (g.declared) {
        o["fields"] = g.declared->fields;
        o["purpose"] = g.declared->purpose;
        o["legal_basis"] = g.declared->legal_basis;
        o["retention"] = g.declared->retention;
        o["retention_days"] = g.declared->retention_days;
        o["recipients"] = g.declared->recipients;
    }
    return o;
}

// Modules export times as Unix seconds under names like "created_at" or "retained_until"; a
// person reads them as dates.
bool is_time_member(std::string_view key, const boost::json::value &v) {
    const auto ends_with = [&](std::string_view suffix) {
        return key.size() >= suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
    };
    if (!(ends_with("_at") || ends_with("_until"))) return false;
    // 0 means "not set" in most modules; beyond year 2500 it is not a time.
    constexpr int64_t kLatest = 16'725'225'600;
    if (v.is_int64()) return v.get_int64() > 0 && v.get_int64() < kLatest;
    if (v.is_uint64()) return v.get_uint64() > 0 && v.get_uint64() < static_cast<uint64_t>(kLatest);
    return false;
}

std::string time_html(int64_t t) {
    const std::string iso = format_utc(t);
    return "<time datetime=\"" + iso + "\">" + html_escape(format_readable(t)) + "</time> <small>(" + iso + ")</small>";
}

// Renders a JSON value for people: objects as two-column tables, arrays as lists, scalars as
// escaped text. Depth-limited so a hostile item cannot blow the stack.
void render_value(std::string &out, const boost::json::value &v, int depth) {
    if (depth > 16) {
        out += "<code>" + html_escape(boost::json::serialize(v)) + "</code>";
        return;
    }
    switch (v.kind()) {
    case boost::json::kind::null: out += "<span class=\"none\">—</span>"; break;
    case boost::json::kind::bool_: out += v.get_bool() ? "yes" : "no"; break;
    case boost::json::kind::string: out += html_escape(v.get_string()); break;
    case boost::json::kind::object: {
        const auto &o = v.get_object();
        if (o.empty()) {
            out += "<span class=\"none\">—</span>";
            break;
        }
        out += "<table>";
        for (const auto &m : o) {
            out += "<tr><th>" + html_escape(m.key()) + "</th><td>";
            if (is_time_member(m.key(), m.value()))
                out += time_html(m.value().is_int64() ? m.value().get_int64() : static_cast<int64_t>(m.value().get_uint64()));
            else
                render_value(out, m.value(), depth + 1);
            out += "</td></tr>";
        }
        out += "</table>";
        break;
    }
    case boost::json::kind::array: {
        const auto &a = v.get_array();
        if (a.empty()) {
            out += "<span class=\"none\">—</span>";
            break;
        }
        out += "<ol>";
        for (const auto &e : a) {
            out += "<li>";
            render_value(out, e, depth + 1);
            out += "</li>";
        }
        out += "</ol>";
        break;
    }
    default: out += html_escape(boost::json::serialize(v)); break;
    }
}

std::string safe_name(std::string_view name) {
    std::string s;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        s += ok ? c : '_';
    }
    size_t first = s.find_first_not_of('.');
    s = first == std::string::npos ? std::string() : s.substr(first);
    if (s.size() > 100) {
        // Keep the extension, which tells a person's system how to open the file.
        size_t dot = s.rfind('.');
        std::string ext = dot != std::string::npos && s.size() - dot <= 12 ? s.substr(dot) : "";
        s = s.substr(0, 100 - ext.size()) + ext;
    }
    if (s.empty()) s = "file";
    return s;
}

} // namespace

ExportGroup &ModuleExport::group(std::string_view category, const Register &reg) {
    for (auto &g : groups)
        if (g.category == category) return g;
    ExportGroup g;
    g.category = std::string(category);
    if (const Category *c = reg.find(module, category)) g.declared = *c;
    groups.push_back(std::move(g));
    return groups.back();
}

void complete_groups(ModuleExport &module, const Register &reg) {
    std::vector<ExportGroup> ordered;
    for (const auto &m : reg.modules) {
        if (m.module != module.module) continue;
        for (const auto &c : m.categories) {
            auto it = std::find_if(module.groups.begin(), module.groups.end(),
                                   [&](const ExportGroup &g) { return g.category == c.name; });
            if (it != module.groups.end()) {
                ordered.push_back(std::move(*it));
                module.groups.erase(it);
            } else {
                ExportGroup g;
                g.category = c.name;
                g.declared = c;
                ordered.push_back(std::move(g));
            }
        }
    }
    for (auto &g : module.groups) ordered.push_back(std::move(g));
    module.groups = std::move(ordered);
}

size_t ExportDocument::item_count() const {
    size_t n = 0;
    for (const auto &m : modules)
        for (const auto &g : m.groups) n += g.items.size();
    return n;
}

size_t ExportDocument::file_count() const {
    size_t n = 0;
    for (const auto &m : modules)
        for (const auto &g : m.groups) n += g.files.size();
    return n;
}

boost::json::value export_json(const ExportDocument &doc) {
    boost::json::array modules;
    for (const auto &m : doc.modules) {
        boost::json::array groups;
        for (const auto &g : m.groups) {
            boost::json::object o = declared_json(g);
            boost::json::array items, files;
            for (const auto &i : g.items) items.push_back(i);
            for (const auto &f : g.files)
                files.push_back({{"name", f.name},
                                 {"media_type", f.media_type},
                                 {"path", f.archive_path},
                                 {"size", f.size},
                                 {"sha256", f.sha256}});
            o["items"] = std::move(items);
            o["files"] = std::move(files);
            groups.push_back(std::move(o));
        }
        modules.push_back({{"module", m.module}, {"categories", std::move(groups)}});
    }
    boost::json::array emails;
    for (const auto &e : doc.emails) emails.emplace_back(e);
    return {{"schema", kExportSchema},
            {"schema_version", kExportSchemaVersion},
            {"request_id", doc.request_id},
            {"generated_at", format_utc(doc.generated_at)},
            {"generated_at_unix", doc.generated_at},
            {"subject", {{"user_id", doc.user_id}, {"emails", std::move(emails)}}},
            {"counts", {{"items", doc.item_count()}, {"files", doc.file_count()}}},
            {"modules", std::move(modules)}};
}

std::string index_html(const ExportDocument &doc) {
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src 'self'\">\n<title>Your personal data</title>\n<style>"
           "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.3em 0}"
           "th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
           ".none{color:#888}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
           "dt{font-weight:bold}section{margin-bottom:2em}</style>\n</head>\n<body>\n";
    out += "<h1>Your personal data</h1>\n<p>This archive holds every item the service keeps about you, "
           "grouped by the part of the service that keeps it, with the reason it is kept and for how long. "
           "The same content is in <code>export.json</code> for other software to read; "
           "<code>manifest.json</code> lists a SHA-256 checksum for every file.</p>\n";
    out += "<dl><dt>Request</dt><dd>" + std::to_string(doc.request_id) + "</dd><dt>Generated</dt><dd>" +
           time_html(doc.generated_at) + "</dd><dt>Account</dt><dd>" +
           (doc.user_id ? std::to_string(doc.user_id) : std::string("none")) + "</dd><dt>Email addresses</dt><dd>";
    for (size_t i = 0; i < doc.emails.size(); ++i) out += (i ? ", " : "") + html_escape(doc.emails[i]);
    out += "</dd><dt>Items</dt><dd>" + std::to_string(doc.item_count()) + "</dd><dt>Files</dt><dd>" +
           std::to_string(doc.file_count()) + "</dd></dl>\n";

    for (const auto &m : doc.modules) {
        out += "<section>\n<h2>" + html_escape(m.module) + "</h2>\n";
        for (const auto &g : m.groups) {
            out += "<h3>" + html_escape(g.category) + "</h3>\n<dl>";
            if (g.declared) {
                out += "<dt>Why</dt><dd>" + html_escape(g.declared->purpose) + "</dd>";
                out += "<dt>Legal basis</dt><dd>" + html_escape(g.declared->legal_basis) + "</dd>";
                out += "<dt>Kept</dt><dd>" + html_escape(g.declared->retention) + "</dd>";
                out += "<dt>Shared with</dt><dd>" +
                       html_escape(g.declared->recipients.empty() ? "nobody" : g.declared->recipients) + "</dd>";
            } else {
                out += "<dt>Why</dt><dd>not declared by the module</dd>";
            }
            out += "</dl>\n";
            if (g.items.empty() && g.files.empty()) {
                out += "<p class=\"none\">Nothing of this kind is held about you.</p>\n";
                continue;
            }
            for (const auto &item : g.items) {
                render_value(out, item, 0);
                out += "\n";
            }
            if (!g.files.empty()) {
                out += "<ul>";
                for (const auto &f : g.files)
                    out += "<li><a href=\"" + html_escape(f.archive_path) + "\">" + html_escape(f.name) + "</a> (" +
                           html_escape(f.media_type) + ", " + std::to_string(f.size) + " bytes)</li>";
                out += "</ul>\n";
            }
        }
        out += "</section>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

std::string manifest_json(const std::vector<ManifestEntry> &entries, int64_t generated_at) {
    boost::json::array files;
    for (const auto &e : entries) files.push_back({{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}});
    boost::json::object o{{"schema", kExportSchema},
                          {"algorithm", "sha256"},
                          {"generated_at", format_utc(generated_at)},
                          {"files", std::move(files)}};
    return boost::json::serialize(o);
}

std::string archive_file_path(std::string_view module, std::string_view name, std::set<std::string> &taken) {
    // Each segment is reduced on its own, so a module's own folders survive ("ticket-1/log.txt")
    // while "." and ".." segments vanish and nothing can leave files/<module>/.
    std::vector<std::string> segments;
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find_first_of("/\\", start);
        if (end == std::string_view::npos) end = name.size();
        std::string_view part = name.substr(start, end - start);
        if (!part.empty() && part != "." && part != "..") segments.push_back(safe_name(part));
        start = end + 1;
    }
    const std::string module_dir = safe_name(module);
    if (segments.size() > 1 && segments.front() == module_dir) segments.erase(segments.begin());
    if (segments.size() > 8) segments.erase(segments.begin(), segments.end() - 8);
    if (segments.empty()) segments.push_back("file");
    // Whole entry names stay within 240 bytes (room for a "-N" suffix below 255, which every
    // unzip tool and file system accepts): outer folders give way first, the file's own
    // (already shortened, extension kept) name last.
    const auto total = [&] {
        size_t n = std::string("files/").size() + safe_name(module).size();
        for (const auto &s : segments) n += 1 + s.size();
        return n;
    };
    while (total() > 240 && segments.size() > 1) segments.erase(segments.begin());
    // `taken` holds every file path given out and every folder that holds one (with a trailing
    // '/'). One entry must never be both a file and a folder ("a" and "a/b"): no unzip tool can
    // unpack that. A folder that would be a taken file gets a suffix ("a-2/b"), and so does a
    // file that would be a taken folder.
    const auto with_suffix = [](const std::string &segment, int n) {
        size_t dot = segment.rfind('.');
        bool has_ext = dot != std::string::npos && dot != 0;
        return (has_ext ? segment.substr(0, dot) : segment) + "-" + std::to_string(n) +
               (has_ext ? segment.substr(dot) : "");
    };
    std::string prefix = "files/" + module_dir + "/";
    std::vector<std::string> folders;
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
        std::string folder = prefix + segments[i];
        for (int n = 2; taken.count(folder); ++n) folder = prefix + with_suffix(segments[i], n);
        prefix = folder + "/";
        folders.push_back(prefix);
    }
    const std::string &base = segments.back();
    std::string candidate = prefix + base;
    for (int n = 2; taken.count(candidate) || taken.count(candidate + "/"); ++n)
        candidate = prefix + with_suffix(base, n);
    taken.insert(candidate);
    taken.insert(folders.begin(), folders.end());
    return candidate;
}

} // namespace plinth::privacy
