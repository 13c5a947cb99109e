#include "inventory.hpp"

#include "calendar.hpp"
#include "text.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

namespace plinth::privacy {

namespace {

std::string join(const std::vector<std::string> &parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}

std::vector<const ModuleRecord *> without_personal_data(const Register &r) {
    std::vector<const ModuleRecord *> out;
    for (const auto &m : r.modules)
        if (!m.personal_data) out.push_back(&m);
    return out;
}

const char *kTitle = "Register of processing activities";

} // namespace

const Category *Register::find(std::string_view module, std::string_view name) const {
    for (const auto &m : modules)
        if (m.module == module)
            for (const auto &c : m.categories)
                if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> Register::warnings() const {
    std::vector<std::string> out;
    for (const auto &m : modules) {
        if (!m.categories.empty() && !m.personal_data)
            out.push_back("module '" + m.module +
                          "' declares personal data but offers no export or erasure (plinth.personal-data/1)");
        if (m.personal_data && !m.data_inventory)
            out.push_back("module '" + m.module +
                          "' exports and erases personal data but declares no categories (plinth.data-inventory/1)");
        for (const auto &c : m.categories)
            if (c.legal_basis.empty())
                out.push_back("module '" + m.module + "' declares category '" + c.name + "' without a legal basis");
    }
    return out;
}

InventoryFormat parse_format(std::string_view name) {
    if (name == "md" || name == "markdown") return InventoryFormat::markdown;
    if (name == "html") return InventoryFormat::html;
    if (name == "json") return InventoryFormat::json;
    throw sdk::invalid_argument("argument 'format' must be \"md\", \"html\" or \"json\"");
}

std::string_view format_name(InventoryFormat format) {
    switch (format) {
    case InventoryFormat::markdown: return "md";
    case InventoryFormat::html: return "html";
    case InventoryFormat::json: return "json";
    }
    return "md";
}

std::string render_markdown(const Register &r) {
    std::string out;
    out += "# ";
    out += kTitle;
    out += "\n\nGenerated " + format_utc(r.generated_at) + " from the declarations of " +
           std::to_string(r.modules.size()) + " loaded module" + (r.modules.size() == 1 ? "" : "s") + ".\n\n";
    out += "| module | category | fields | purpose | legal basis | retention | recipients |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for (const auto &m : r.modules)
        for (const auto &c : m.categories)
            out += "| " + markdown_cell(m.module) + " | " + markdown_cell(c.name) + " | " + markdown_cell(c.fields) +
                   " | " + markdown_cell(c.purpose) + " | " + markdown_cell(c.legal_basis) + " | " +
                   markdown_cell(c.retention) + " | " + markdown_cell(c.recipients) + " |\n";

    auto others = without_personal_data(r);
    out += "\n## Modules without a personal-data interface\n\n";
    if (others.empty()) {
        out += "Every loaded module offers export and erasure.\n";
    } else {
        out += "These modules are loaded but offer no export or erasure (plinth.personal-data/1); "
               "they take no part in access or erasure requests.\n\n";
        out += "| module | interfaces offered | declared categories |\n|---|---|---|\n";
        for (const ModuleRecord *m : others)
            out += "| " + markdown_cell(m->module) + " | " + markdown_cell(join(m->interfaces, ", ")) + " | " +
                   std::to_string(m->categories.size()) + " |\n";
    }
    auto warnings = r.warnings();
    if (!warnings.empty()) {
        out += "\n## Findings\n\n";
        for (const auto &w : warnings) out += "- " + markdown_cell(w) + "\n";
    }
    return out;
}

std::string render_html(const Register &r) {
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
    out += kTitle;
    out += "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}</style>\n"
           "</head>\n<body>\n<h1>";
    out += kTitle;
    out += "</h1>\n<p>Generated " + html_escape(format_utc(r.generated_at)) + " from the declarations of " +
           std::to_string(r.modules.size()) + " loaded modules.</p>\n";
    out += "<table>\n<thead><tr><th>module</th><th>category</th><th>fields</th><th>purpose</th>"
           "<th>legal basis</th><th>retention</th><th>recipients</th></tr></thead>\n<tbody>\n";
    for (const auto &m : r.modules)
        for (const auto &c : m.categories)
            out += "<tr><td>" + html_escape(m.module) + "</td><td>" + html_escape(c.name) + "</td><td>" +
                   html_escape(c.fields) + "</td><td>" + html_escape(c.purpose) + "</td><td>" +
                   html_escape(c.legal_basis) + "</td><td>" + html_escape(c.retention) + "</td><td>" +
                   html_escape(c.recipients.empty() ? "—" : c.recipients) + "</td></tr>\n";
    out += "</tbody>\n</table>\n<h2>Modules without a personal-data interface</h2>\n";
    auto others = without_personal_data(r);
    if (others.empty()) {
        out += "<p>Every loaded module offers export and erasure.</p>\n";
    } else {
        out += "<table>\n<thead><tr><th>module</th><th>interfaces offered</th><th>declared categories</th></tr>"
               "</thead>\n<tbody>\n";
        for (const ModuleRecord *m : others)
            out += "<tr><td>" + html_escape(m->module) + "</td><td>" + html_escape(join(m->interfaces, ", ")) +
                   "</td><td>" + std::to_string(m->categories.size()) + "</td></tr>\n";
        out += "</tbody>\n</table>\n";
    }
    auto warnings = r.warnings();
    if (!warnings.empty()) {
        out += "<h2>Findings</h2>\n<ul>\n";
        for (const auto &w : warnings) out += "<li>" + html_escape(w) + "</li>\n";
        out += "</ul>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

boost::json::value render_json(const Register &r) {
    boost::json::array categories, modules, others, warnings;
    for (const auto &m : r.modules) {
        boost::json::array interfaces;
        for (const auto &i : m.interfaces) interfaces.emplace_back(i);
        modules.push_back({{"module", m.module},
                           {"interfaces", interfaces},
                           {"data_inventory", m.data_inventory},
                           {"personal_data", m.personal_data},
                           {"retention", m.retention},
                           {"categories", m.categories.size()}});
        if (!m.personal_data) others.push_back({{"module", m.module}, {"interfaces", interfaces}});
        for (const auto &c : m.categories)
            categories.push_back({{"module", m.module},
                                  {"category", c.name},
                                  {"fields", c.fields},
                                  {"purpose", c.purpose},
                                  {"legal_basis", c.legal_basis},
                                  {"retention", c.retention},
                                  {"retention_days", c.retention_days},
                                  {"recipients", c.recipients}});
    }
    for (const auto &w : r.warnings()) warnings.emplace_back(w);
    return {{"schema", "plinth.privacy.inventory/1"},
            {"generated_at", format_utc(r.generated_at)},
            {"categories", categories},
            {"modules", modules},
            {"modules_without_personal_data", others},
            {"warnings", warnings}};
}

std::string render(const Register &r, InventoryFormat format) {
    switch (format) {
    case InventoryFormat::markdown: return render_markdown(r);
    case InventoryFormat::html: return render_html(r);
    case InventoryFormat::json: return boost::json::serialize(render_json(r));
    }
    return render_markdown(r);
}

} // namespace plinth::privacy
