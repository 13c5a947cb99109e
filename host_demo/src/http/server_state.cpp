#include "server_state.hpp"

#include <algorithm>
#include <charconv>

namespace plinth::http {

void ServerState::next_request_id(std::string &into) {
    // "<prefix>-" and the counter in hex, zero-padded to 8 digits (longer once it outgrows them).
    const unsigned long long n = request_counter.fetch_add(1, std::memory_order_relaxed) + 1;
    char digits[16];
    const size_t length = static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, n, 16).ptr - digits);
    into.clear();
    into += request_id_prefix;
    into += '-';
    if (length < 8) into.append(8 - length, '0');
    into.append(digits, length);
}

std::list<std::weak_ptr<ConnectionControl>>::iterator ServerState::track(std::weak_ptr<ConnectionControl> c) {
    sdk::MutexLock lock(connections_mutex);
    connections.push_front(std::move(c));
    return connections.begin();
}

void ServerState::untrack(std::list<std::weak_ptr<ConnectionControl>>::iterator it) {
    sdk::MutexLock lock(connections_mutex);
    connections.erase(it);
}

} // namespace plinth::http
