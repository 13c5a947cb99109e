// Who the client is: the peer address, or, behind trusted reverse proxies, the address they
// report in X-Forwarded-For. Also the truncated form the access log keeps.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace plinth::http {

// A network in CIDR form ("10.0.0.0/8", "::1/128", or a single address).
struct Network {
    boost::asio::ip::address base;
    unsigned prefix = 0;
    bool contains(const boost::asio::ip::address &a) const;
};

// Throws sdk::Error(invalid_argument) when `text` is not an address or CIDR network.
Network parse_network(std::string_view text);

class ProxyList {
public:
    void add(Network n) { networks_.push_back(std::move(n)); }
    bool empty() const { return networks_.empty(); }
    bool trusts(const boost::asio::ip::address &a) const;

    // The client behind `peer`. X-Forwarded-For is read only when the peer is a trusted proxy:
    // walking from the right, every trusted hop is skipped and the first untrusted address is the
    // client (a client cannot forge the entries its proxies append). A malformed entry stops the
    // walk at the last good address.
    boost::asio::ip::address client(const boost::asio::ip::address &peer, std::string_view forwarded_for) const;

private:
    std::vector<Network> networks_;
};

// IPv4 addresses are cut to their /24 and IPv6 to their /48 ("203.0.113.0/24"): enough to see
// abuse patterns, not enough to identify a person. IPv4-mapped IPv6 counts as IPv4.
std::string truncated_for_log(const boost::asio::ip::address &a);

// The address as text ("192.0.2.7", "2001:db8::1"); IPv4-mapped IPv6 as IPv4. IPv4 is formatted
// here, without the printf that inet_ntop costs on every request.
std::string address_text(const boost::asio::ip::address &a);

// The key rate limits count a client under: an IPv4 address itself, an IPv6 address's /64 (one
// subscriber usually holds a whole /64 and could otherwise rotate through it).
std::string rate_limit_key(const boost::asio::ip::address &a);

// IPv4-mapped IPv6 ("::ffff:1.2.3.4") as plain IPv4; anything else unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address &a);

} // namespace plinth::http
