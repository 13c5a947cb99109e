#include "client_address.hpp"

#include <plinth/sdk/error.hpp>

#include <charconv>

namespace plinth::http {

namespace ip = boost::asio::ip;

namespace {

template <class Bytes>
bool prefix_equal(const Bytes &a, const Bytes &b, unsigned prefix) {
    for (size_t i = 0; i < a.size() && prefix > 0; ++i) {
        unsigned bits = prefix >= 8 ? 8 : prefix;
        unsigned mask = (0xFFu << (8 - bits)) & 0xFFu;
        if ((a[i] & mask) != (b[i] & mask)) return false;
        prefix -= bits;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

ip::address unmapped(const ip::address &a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

bool Network::contains(const ip::address &raw) const {
    ip::address a = unmapped(raw);
    if (a.is_v4() != base.is_v4()) return false;
    if (a.is_v4()) return prefix_equal(a.to_v4().to_bytes(), base.to_v4().to_bytes(), prefix);
    return prefix_equal(a.to_v6().to_bytes(), base.to_v6().to_bytes(), prefix);
}

Network parse_network(std::string_view text) {
    std::string_view address = text, bits;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address = text.substr(0, slash);
        bits = text.substr(slash + 1);
    }
    boost::system::error_code ec;
    Network n;
    n.base = unmapped(ip::make_address(std::string(address), ec));
    if (ec) throw sdk::invalid_argument("'" + std::string(text) + "' is not an IP address or CIDR network");
    unsigned max = n.base.is_v4() ? 32 : 128;
    n.prefix = max;
    if (!bits.empty() || text.find('/') != std::string_view::npos) {
        unsigned value = 0;
        auto r = std::from_chars(bits.data(), bits.data() + bits.size(), value);
        if (r.ec != std::errc() || r.ptr != bits.data() + bits.size() || value > max)
            throw sdk::invalid_argument("'" + std::string(text) + "' has an invalid prefix length");
        n.prefix = value;
    }
    return n;
}

bool ProxyList::trusts(const ip::address &a) const {
    for (const auto &n : networks_)
        if (n.contains(a)) return true;
    return false;
}

ip::address ProxyList::client(const ip::address &peer, std::string_view forwarded_for) const {
    ip::address client = unmapped(peer);
    if (forwarded_for.empty() || !trusts(client)) return client;
    // Right to left: the rightmost entry was appended by the proxy that talks to us.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        size_t comma = rest.rfind(',');
        std::string_view entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        boost::system::error_code ec;
        ip::address hop = ip::make_address(std::string(entry), ec);
        if (ec) return client; // garbage: keep the last address we could trust
        client = unmapped(hop);
        if (!trusts(client)) return client;
    }
    return client;
}

std::string truncated_for_log(const ip::address &raw) {
    ip::address a = unmapped(raw);
    if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        b[3] = 0;
        return ip::address_v4(b).to_string() + "/24";
    }
    auto b = a.to_v6().to_bytes();
    for (size_t i = 6; i < b.size(); ++i) b[i] = 0;
    return ip::address_v6(b).to_string() + "/48";
}

std::string address_text(const ip::address &raw) {
    ip::address a = unmapped(raw);
    if (!a.is_v4()) return a.to_string();
    auto bytes = a.to_v4().to_bytes();
    char text[16];
    char *end = text;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) *end++ = '.';
        end = std::to_chars(end, text + sizeof text, static_cast<unsigned>(bytes[i])).ptr;
    }
    return std::string(text, static_cast<size_t>(end - text));
}

std::string rate_limit_key(const ip::address &raw) {
    ip::address a = unmapped(raw);
    if (a.is_v4()) return address_text(a);
    auto b = a.to_v6().to_bytes();
    for (size_t i = 8; i < b.size(); ++i) b[i] = 0;
    return ip::address_v6(b).to_string() + "/64";
}

} // namespace plinth::http
