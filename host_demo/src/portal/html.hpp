// The portal's HTML: a minimal renderer that escapes by default.
//
// A page is built from templates with {{name}} slots. A slot filled with text (any string) is
// always escaped (made valid UTF-8, then sdk::html_escape); only an Html value — built by this renderer from templates
// and escaped text — goes in as it is. There is no "raw" switch: a module's text cannot become
// markup by mistake, because no function turns a std::string into Html without escaping it.
//
// Rationale (docs/portal.md): Debian's libctemplate-dev escapes by a per-template pragma and reads
// template files at run time; this renderer is ~150 lines, has no files to deploy, and makes the
// unescaped case impossible to write rather than something to remember.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace plinth::portal {

struct Slot;

// A fragment of trusted markup. Only the renderer and escape() make one.
class Html {
public:
    Html() = default;
    const std::string &str() const { return text_; }
    bool empty() const { return text_.empty(); }
    Html &operator+=(const Html &more) {
        text_ += more.text_;
        return *this;
    }

private:
    explicit Html(std::string text) : text_(std::move(text)) {}
    std::string text_;
    friend Html escape(std::string_view text);
    friend Html render(std::string_view, std::initializer_list<Slot>);
};

// `text` as escaped markup: valid UTF-8 (U+FFFD for invalid sequences), then sdk::html_escape.
Html escape(std::string_view text);

// One slot's value: text (escaped when rendered) or markup (inserted as it is).
struct Slot {
    std::string_view name;
    std::variant<std::string_view, Html> value;
    Slot(std::string_view n, std::string_view text) : name(n), value(text) {}
    Slot(std::string_view n, const std::string &text) : name(n), value(std::string_view(text)) {}
    Slot(std::string_view n, const char *text) : name(n), value(std::string_view(text)) {}
    Slot(std::string_view n, Html html) : name(n), value(std::move(html)) {}
};

// Fills every {{name}} of `tmpl` (a template written in this code, never data). Throws
// std::logic_error naming the slot when a template slot has no value or a value has no slot: a
// template and its caller that disagree are a bug, found by the first test that renders the page.
Html render(std::string_view tmpl, std::initializer_list<Slot> slots);

// "1 February 2026, 14:05 UTC" for Unix seconds; "—" for 0 or less.
std::string readable_time(int64_t unix_seconds);
// The same for an ISO 8601 UTC text ("2026-02-01T14:05:00Z"); the text itself when it is not one.
std::string readable_time(std::string_view iso8601);

// A license key as the portal shows it: every symbol but the last group hidden
// ("•••••-•••••-•••••-•••••-•••••-273B0"); keys without groups keep their last 4 characters when
// they have at least 8, else nothing.
std::string masked_key(std::string_view key);

} // namespace plinth::portal
