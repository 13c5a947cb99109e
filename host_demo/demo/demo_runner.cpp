#include "demo.hpp"

#include <plinth/sdk/error.hpp>

#include <iostream>
#include <sstream>

namespace plinth::demo {

namespace {

void pretty_into(std::ostream &os, const boost::json::value &v, int indent) {
    std::string pad(indent * 2, ' ');
    switch (v.kind()) {
    case boost::json::kind::object: {
        const auto &o = v.get_object();
        if (o.empty()) { os << "{}"; return; }
        os << "{\n";
        size_t i = 0;
        for (const auto &member : o) {
            os << pad << "  " << boost::json::serialize(boost::json::string(member.key())) << ": ";
            pretty_into(os, member.value(), indent + 1);
            os << (++i < o.size() ? ",\n" : "\n");
        }
        os << pad << "}";
        return;
    }
    case boost::json::kind::array: {
        const auto &a = v.get_array();
        if (a.empty()) { os << "[]"; return; }
        os << "[\n";
        for (size_t i = 0; i < a.size(); ++i) {
            os << pad << "  ";
            pretty_into(os, a[i], indent + 1);
            os << (i + 1 < a.size() ? ",\n" : "\n");
        }
        os << pad << "]";
        return;
    }
    default:
        os << boost::json::serialize(v);
    }
}

std::string caller_text(const plinth_call_context &c) {
    switch (c.principal) {
    case PLINTH_PRINCIPAL_SYSTEM: return "system";
    case PLINTH_PRINCIPAL_USER: return "user " + std::to_string(c.user_id);
    default: return "anonymous";
    }
}

} // namespace

std::string pretty(const boost::json::value &value) {
    std::ostringstream os;
    pretty_into(os, value, 0);
    return os.str();
}

void DemoContext::step(std::string_view title) {
    out << "\n== " << ++step_number << ". " << title << " ==\n";
}

void DemoContext::say(std::string_view text) { out << text << "\n"; }

boost::json::value DemoContext::call(std::string_view module, std::string_view command,
                                     const boost::json::value &args, const plinth_call_context &caller) {
    out << "> " << module << " " << command << " " << boost::json::serialize(args) << "   (as "
        << caller_text(caller) << ")\n";
    boost::json::value result;
    try {
        result = host.call(module, command, boost::json::serialize(args), caller);
    } catch (const sdk::Error &e) {
        result = boost::json::object{
            {"error", {{"code", sdk::status_name(e.status())}, {"message", e.what()}}}};
    }
    out << pretty(result) << "\n";
    return result;
}

} // namespace plinth::demo
