#include "changelog.hpp"

#include <plinth/sdk/display.hpp>

#include <cctype>
#include <vector>

namespace plinth::releases {

namespace {

bool safe_link_target(std::string_view url) {
    auto starts = [&](std::string_view p) {
        if (url.size() < p.size()) return false;
        for (size_t i = 0; i < p.size(); ++i)
            if (static_cast<char>(url[i] | 0x20) != p[i]) return false;
        return true;
    };
    if (!(starts("https://") || starts("http://") || starts("mailto:"))) return false;
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    return true;
}

// Inline markup over one block's text. Every byte of `text` reaches `out` escaped, or is
// consumed as a marker; markers without a closing partner are shown as text.
void render_inline(std::string_view text, std::string &out, int depth = 0) {
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '`') {
            size_t close = text.find('`', i + 1);
            if (close != std::string_view::npos) {
                out += "<code>";
                sdk::append_html_escaped(out, text.substr(i + 1, close - i - 1));
                out += "</code>";
                i = close + 1;
                continue;
            }
        } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
            size_t close = text.find("**", i + 2);
            if (close != std::string_view::npos && close > i + 2 && depth < 4) {
                out += "<strong>";
                render_inline(text.substr(i + 2, close - i - 2), out, depth + 1);
                out += "</strong>";
                i = close + 2;
                continue;
            }
        } else if ((c == '*' || c == '_') && i + 1 < text.size() && text[i + 1] != ' ') {
            size_t close = text.find(c, i + 1);
            // A '_' inside a word (snake_case) is not emphasis.
            bool word_before = c == '_' && i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]));
            if (close != std::string_view::npos && close > i + 1 && !word_before && depth < 4) {
                out += "<em>";
                render_inline(text.substr(i + 1, close - i - 1), out, depth + 1);
                out += "</em>";
                i = close + 1;
                continue;
            }
        } else if (c == '[') {
            size_t close = text.find("](", i + 1);
            size_t end = close == std::string_view::npos ? close : text.find(')', close + 2);
            if (end != std::string_view::npos && depth < 4) {
                std::string_view label = text.substr(i + 1, close - i - 1);
                std::string_view url = text.substr(close + 2, end - close - 2);
                if (safe_link_target(url)) {
                    out += "<a href=\"";
                    sdk::append_html_escaped(out, url);
                    out += "\" rel=\"noopener noreferrer\">";
                    render_inline(label, out, depth + 1);
                    out += "</a>";
                } else {
                    render_inline(label, out, depth + 1); // an unsafe target keeps only its text
                }
                i = end + 1;
                continue;
            }
        }
        sdk::append_html_escaped(out, std::string_view(&c, 1));
        ++i;
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// "- x", "* x", "+ x" → "x"; "12. x" → "x" (ordered). Returns false when not a list item.
bool list_item(std::string_view line, bool &ordered, std::string_view &content) {
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ') {
        ordered = false;
        content = trim(line.substr(2));
        return true;
    }
    size_t d = 0;
    while (d < line.size() && d < 9 && line[d] >= '0' && line[d] <= '9') ++d;
    if (d > 0 && d + 1 < line.size() && line[d] == '.' && line[d + 1] == ' ') {
        ordered = true;
        content = trim(line.substr(d + 2));
        return true;
    }
    return false;
}

} // namespace

std::string render_markdown(std::string_view markdown) {
    if (markdown.size() > kMaxChangelogBytes) markdown = markdown.substr(0, kMaxChangelogBytes);
    std::vector<std::string_view> lines;
    for (size_t start = 0; start <= markdown.size();) {
        size_t nl = markdown.find('\n', start);
        if (nl == std::string_view::npos) nl = markdown.size();
        lines.push_back(markdown.substr(start, nl - start));
        start = nl + 1;
    }

    std::string out;
    std::string paragraph;     // raw text of the open paragraph
    const char *list = nullptr; // "ul" or "ol" while a list is open
    auto close_paragraph = [&] {
        if (paragraph.empty()) return;
        out += "<p>";
        render_inline(paragraph, out);
        out += "</p>\n";
        paragraph.clear();
    };
    auto close_list = [&] {
        if (list == nullptr) return;
        out += "</";
        out += list;
        out += ">\n";
        list = nullptr;
    };

    for (size_t n = 0; n < lines.size(); ++n) {
        std::string_view line = trim(lines[n]);
        if (line.substr(0, 3) == "```") {
            close_paragraph();
            close_list();
            out += "<pre><code>";
            size_t k = n + 1;
            for (; k < lines.size() && trim(lines[k]).substr(0, 3) != "```"; ++k) {
                std::string_view raw = lines[k];
                if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
                sdk::append_html_escaped(out, raw);
                out += '\n';
            }
            out += "</code></pre>\n";
            n = k; // the closing fence (or the end)
            continue;
        }
        if (line.empty()) {
            close_paragraph();
            close_list();
            continue;
        }
        size_t hashes = 0;
        while (hashes < line.size() && hashes < 7 && line[hashes] == '#') ++hashes;
        if (hashes >= 1 && hashes <= 6 && (hashes == line.size() || line[hashes] == ' ')) {
            close_paragraph();
            close_list();
            std::string tag = "h" + std::to_string(hashes);
            out += "<" + tag + ">";
            render_inline(trim(line.substr(hashes)), out);
            out += "</" + tag + ">\n";
            continue;
        }
        bool ordered = false;
        std::string_view content;
        if (list_item(line, ordered, content)) {
            close_paragraph();
            const char *want = ordered ? "ol" : "ul";
            if (list != nullptr && std::string_view(list) != want) close_list();
            if (list == nullptr) {
                list = want;
                out += "<";
                out += want;
                out += ">\n";
            }
            out += "<li>";
            render_inline(content, out);
            out += "</li>\n";
            continue;
        }
        close_list();
        if (!paragraph.empty()) paragraph += ' ';
        paragraph.append(line);
    }
    close_paragraph();
    close_list();
    return out;
}

} // namespace plinth::releases
