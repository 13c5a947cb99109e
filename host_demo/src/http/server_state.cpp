#include "server_state.hpp"

#include <cstdio>

namespace plinth::http {

std::string ServerState::next_request_id() {
    char text[32];
    std::snprintf(text, sizeof text, "-%08llx",
                  static_cast<unsigned long long>(request_counter.fetch_add(1, std::memory_order_relaxed) + 1));
    return request_id_prefix + text;
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
