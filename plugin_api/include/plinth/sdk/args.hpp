// plinth/sdk/args.hpp — parsing a command's JSON arguments safely, and typed, validated access
// to them.
//
// parse_arguments() is the one entry for untrusted JSON (the CLI's arguments, HTTP request
// bodies): it refuses duplicate members and documents whose parsed form would need more memory
// than a small multiple of their size, before building anything. Every Args getter names the
// argument in its error, so bad input always yields a clear message, and finish() refuses
// members nobody asked for (a typo must not be silently ignored).
#pragma once

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/display.hpp>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace plinth::sdk {

// Largest arguments document a command accepts; individual commands set tighter limits.
inline constexpr size_t kMaxArgumentsBytes = 32u << 20;

// What one untrusted JSON document may cost.
struct JsonLimits {
    size_t max_bytes = kMaxArgumentsBytes;
    size_t max_depth = 32;
    // The parsed document may take at most memory_factor x its size + memory_floor bytes.
    // Rationale: a value takes 16 bytes however short its text ("0," is 2 bytes), so a
    // document of many tiny elements costs 8x or more its size once parsed; strings cost about
    // their size. The floor lets every ordinary small document through.
    size_t memory_factor = 4;
    size_t memory_floor = 1u << 20;

    size_t memory_budget(size_t document_bytes) const { return memory_factor * document_bytes + memory_floor; }
};

namespace detail {

// First pass over untrusted JSON (Boost.JSON basic_parser handler): builds nothing, refuses a
// member name repeated in one object, and adds up what the parsed tree will allocate so a
// document that would not fit the budget is refused before any of it is built.
class JsonPrecheck {
public:
    static constexpr size_t max_object_size = size_t(-1);
    static constexpr size_t max_array_size = size_t(-1);
    static constexpr size_t max_key_size = size_t(-1);
    static constexpr size_t max_string_size = size_t(-1);

    explicit JsonPrecheck(size_t budget) : budget_(budget) {}

    // Set when the precheck stopped the parse; Boost's error code is then only a placeholder.
    std::optional<Error> refusal;

    bool on_document_begin(boost::json::error_code &) { return true; }
    bool on_document_end(boost::json::error_code &) { return true; }
    bool on_array_begin(boost::json::error_code &ec) { return open(false, ec); }
    bool on_array_end(size_t, boost::json::error_code &ec) { return close(ec); }
    bool on_object_begin(boost::json::error_code &ec) { return open(true, ec); }
    bool on_object_end(size_t, boost::json::error_code &ec) { return close(ec); }
    bool on_string_part(boost::json::string_view s, size_t, boost::json::error_code &) {
        string_bytes_ += s.size();
        return true;
    }
    bool on_string(boost::json::string_view s, size_t, boost::json::error_code &ec) {
        size_t n = string_bytes_ + s.size();
        string_bytes_ = 0;
        // Short strings live inside the value itself; longer ones take a block of their own.
        return value(ec, n > kInlineString ? n + 1 + 2 * sizeof(uint32_t) : 0);
    }
    bool on_key_part(boost::json::string_view s, size_t, boost::json::error_code &ec) {
        key_.append(s.data(), s.size());
        return key_.size() <= kMaxKeyBytes || fail(ec, invalid_argument("a member name is longer than " +
                                                                         std::to_string(kMaxKeyBytes) + " bytes"));
    }
    bool on_key(boost::json::string_view s, size_t, boost::json::error_code &ec) {
        key_.append(s.data(), s.size());
        std::string key = std::move(key_);
        key_.clear();
        if (key.size() > kMaxKeyBytes)
            return fail(ec, invalid_argument("a member name is longer than " + std::to_string(kMaxKeyBytes) + " bytes"));
        size_t cost = key.size() + kSetEntryBytes;
        if (!frames_.back().keys.insert(key).second)
            return fail(ec, invalid_argument("duplicate member '" + printable(key, 128) + "'"));
        check_bytes_ += cost;
        frames_.back().check_bytes += cost;
        if (check_bytes_ > budget_) return too_large(ec);
        // The member: its slot in the object's table, its name, and an index entry.
        return charge(ec, sizeof(boost::json::key_value_pair) + key.size() + 1 + sizeof(uint32_t));
    }
    bool on_number_part(boost::json::string_view, boost::json::error_code &) { return true; }
    bool on_int64(int64_t, boost::json::string_view, boost::json::error_code &ec) { return value(ec, 0); }
    bool on_uint64(uint64_t, boost::json::string_view, boost::json::error_code &ec) { return value(ec, 0); }
    bool on_double(double, boost::json::string_view, boost::json::error_code &ec) { return value(ec, 0); }
    bool on_bool(bool, boost::json::error_code &ec) { return value(ec, 0); }
    bool on_null(boost::json::error_code &ec) { return value(ec, 0); }
    bool on_comment_part(boost::json::string_view, boost::json::error_code &) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code &) { return true; }

private:
    static constexpr size_t kInlineString = 14;  // Boost.JSON keeps up to this many bytes in place
    static constexpr size_t kSetEntryBytes = 64; // what the name set spends per remembered name
    static constexpr size_t kMaxKeyBytes = 4096;

    struct Frame {
        bool object = false;
        std::unordered_set<std::string> keys; // names seen in this object
        size_t check_bytes = 0;
    };

    bool fail(boost::json::error_code &ec, Error why) {
        refusal = std::move(why);
        ec = boost::json::error::exception;
        return false;
    }
    bool too_large(boost::json::error_code &ec) {
        return fail(ec, Error(PLINTH_E_LIMIT_EXCEEDED,
                              "would take more than " + std::to_string(budget_ >> 10) +
                                  " KiB of memory once parsed (too many elements for their size)"));
    }
    bool charge(boost::json::error_code &ec, size_t bytes) {
        tree_bytes_ += bytes;
        return tree_bytes_ <= budget_ || too_large(ec);
    }
    // A value in an array takes a slot there; in an object its slot was charged with the key.
    bool value(boost::json::error_code &ec, size_t extra) {
        bool in_array = !frames_.empty() && !frames_.back().object;
        return charge(ec, extra + (in_array || frames_.empty() ? sizeof(boost::json::value) : 0));
    }
    bool open(bool object, boost::json::error_code &ec) {
        if (!value(ec, 2 * sizeof(uint32_t) + sizeof(void *))) return false; // the container's table header
        frames_.push_back(Frame{object, {}, 0});
        return true;
    }
    bool close(boost::json::error_code &) {
        check_bytes_ -= frames_.back().check_bytes;
        frames_.pop_back();
        return true;
    }

    size_t budget_;
    size_t tree_bytes_ = 0;
    size_t check_bytes_ = 0;
    size_t string_bytes_ = 0;
    std::string key_;
    std::vector<Frame> frames_;
};

// A memory resource that refuses to hold more than a limit at once: the hard ceiling under the
// precheck's estimate while Boost.JSON builds the tree. The limit lives in a Budget shared with
// the caller (make_shared_resource wraps the resource, so the caller cannot reach it), which
// lifts it once the tree is built: code that later copies parts of the tree is never refused.
struct JsonBudget {
    explicit JsonBudget(size_t initial_limit) : limit(initial_limit) {}
    std::atomic<size_t> limit;
    std::atomic<size_t> live{0};
    void lift() noexcept { limit.store(size_t(-1), std::memory_order_relaxed); }
};

class BudgetResource final : public boost::json::memory_resource {
public:
    explicit BudgetResource(std::shared_ptr<JsonBudget> budget) : budget_(std::move(budget)) {}

private:
    void *do_allocate(size_t bytes, size_t align) override {
        size_t limit = budget_->limit.load(std::memory_order_relaxed);
        size_t live = budget_->live.load(std::memory_order_relaxed);
        if (bytes > limit - std::min(live, limit))
            throw Error(PLINTH_E_LIMIT_EXCEEDED, "the JSON document needs too much memory once parsed");
        void *p = ::operator new(bytes, std::align_val_t(align));
        budget_->live.fetch_add(bytes, std::memory_order_relaxed);
        return p;
    }
    // Values may be copied and freed on other threads once the tree is handed on. The unsized
    // aligned delete: clang before 19 declares the sized one only with -fsized-deallocation, and
    // a module built by clang includes this header too.
    void do_deallocate(void *p, size_t bytes, size_t align) override {
        ::operator delete(p, std::align_val_t(align));
        budget_->live.fetch_sub(bytes, std::memory_order_relaxed);
    }
    bool do_is_equal(const boost::json::memory_resource &other) const noexcept override { return this == &other; }

    std::shared_ptr<JsonBudget> budget_;
};

inline std::string json_error_text(boost::json::error_code ec) {
    if (ec == boost::json::error::too_deep) return "it is nested too deeply";
    return ec.message();
}

} // namespace detail

// Parses untrusted JSON text into a value, refusing before anything is built:
//   - text over limits.max_bytes                        PLINTH_E_LIMIT_EXCEEDED
//   - text that is not JSON, or not UTF-8, or too deep  PLINTH_E_INVALID_ARGUMENT
//   - a member name repeated in any object              PLINTH_E_INVALID_ARGUMENT ("duplicate member 'x'")
//   - a tree over limits.memory_budget(text.size())     PLINTH_E_LIMIT_EXCEEDED
// Peak memory stays within about three budgets (the parser's stack plus the tree) and is
// usually a fraction of one. `what` names the document in messages ("arguments").
// [thread-safe] (no shared state)
inline boost::json::value parse_json_limited(std::string_view text, const JsonLimits &limits = {},
                                             std::string_view what = "arguments") {
    const std::string name(what);
    if (text.size() > limits.max_bytes)
        throw Error(PLINTH_E_LIMIT_EXCEEDED,
                    name + " are too large (" + std::to_string(text.size()) + " bytes, at most " +
                        std::to_string(limits.max_bytes) + ")");
    boost::json::parse_options options;
    options.max_depth = limits.max_depth;
    const size_t budget = limits.memory_budget(text.size());
    {
        boost::json::basic_parser<detail::JsonPrecheck> precheck(options, budget);
        boost::json::error_code ec;
        precheck.write_some(false, text.data(), text.size(), ec);
        if (auto &refusal = precheck.handler().refusal) {
            if (refusal->status() == PLINTH_E_LIMIT_EXCEEDED) throw Error(refusal->status(), name + " " + refusal->what());
            throw *refusal;
        }
        if (ec) throw invalid_argument(name + " are not valid JSON: " + detail::json_error_text(ec));
    }
    auto ceiling = std::make_shared<detail::JsonBudget>(3 * budget);
    auto resource = boost::json::make_shared_resource<detail::BudgetResource>(ceiling);
    boost::json::parser parser(resource, options);
    parser.reset(resource);
    boost::json::error_code ec;
    parser.write(text.data(), text.size(), ec);
    if (ec) throw invalid_argument(name + " are not valid JSON: " + detail::json_error_text(ec));
    boost::json::value result = parser.release();
    ceiling->lift();
    return result;
}

// parse_json_limited for a command's arguments: blank text is {}, anything else must be an
// object. The SDK runs every command's arguments through this; hosts may call it too.
inline boost::json::value parse_arguments(std::string_view text, const JsonLimits &limits = {}) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return boost::json::object{};
    boost::json::value parsed = parse_json_limited(text, limits, "arguments");
    if (!parsed.is_object()) throw invalid_argument("arguments must be a JSON object");
    return parsed;
}


class Args {
public:
    explicit Args(const boost::json::object &object) : object_(object) {}

    const boost::json::object &raw() const { return object_; }
    bool has(std::string_view name) const { return object_.contains(name); }

    // A string of 1..max_bytes bytes (after the JSON parser has already verified UTF-8).
    std::string string(std::string_view name, size_t max_bytes = 1024) {
        auto v = optional_string(name, max_bytes);
        if (!v) throw invalid_argument("missing argument '" + std::string(name) + "' (string)");
        return *v;
    }

    std::optional<std::string> optional_string(std::string_view name, size_t max_bytes = 1024) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (!v->is_string())
            throw invalid_argument("argument '" + std::string(name) + "' must be a string");
        const auto &s = v->get_string();
        if (s.empty())
            throw invalid_argument("argument '" + std::string(name) + "' must not be empty");
        if (s.size() > max_bytes)
            throw invalid_argument("argument '" + std::string(name) + "' is longer than " +
                                   std::to_string(max_bytes) + " bytes");
        return std::string(s.data(), s.size());
    }

    int64_t integer(std::string_view name, int64_t min, int64_t max) {
        auto v = optional_integer(name, min, max);
        if (!v) throw invalid_argument("missing argument '" + std::string(name) + "' (integer)");
        return *v;
    }

    std::optional<int64_t> optional_integer(std::string_view name, int64_t min, int64_t max) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        int64_t n = 0;
        if (v->is_int64()) n = v->get_int64();
        else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
            n = static_cast<int64_t>(v->get_uint64());
        else
            throw invalid_argument("argument '" + std::string(name) + "' must be an integer");
        if (n < min || n > max)
            throw invalid_argument("argument '" + std::string(name) + "' must be between " +
                                   std::to_string(min) + " and " + std::to_string(max));
        return n;
    }

    bool boolean(std::string_view name, bool fallback) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return fallback;
        if (!v->is_bool())
            throw invalid_argument("argument '" + std::string(name) + "' must be true or false");
        return v->get_bool();
    }

    const boost::json::object *optional_object(std::string_view name) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_object())
            throw invalid_argument("argument '" + std::string(name) + "' must be an object");
        return &v->get_object();
    }

    const boost::json::array *optional_array(std::string_view name) {
        const boost::json::value *v = take(name);
        if (v == nullptr || v->is_null()) return nullptr;
        if (!v->is_array())
            throw invalid_argument("argument '" + std::string(name) + "' must be an array");
        return &v->get_array();
    }

    // Refuses any member that no getter asked for.
    void finish() const {
        for (const auto &member : object_)
            if (!taken_.count(std::string(member.key())))
                throw invalid_argument("unknown argument '" + printable(std::string_view(member.key().data(), member.key().size()), 128) + "'");
    }

private:
    const boost::json::value *take(std::string_view name) {
        taken_.insert(std::string(name));
        return object_.if_contains(name);
    }

    const boost::json::object &object_;
    std::set<std::string> taken_;
};

} // namespace plinth::sdk
