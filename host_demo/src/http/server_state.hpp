// What every connection of one server shares: settings, routes, the caller resolver, counters,
// the access log, the worker pool, and the list of live connections (for draining).
#pragma once

#include "access_log.hpp"
#include "authenticator.hpp"
#include "metrics.hpp"
#include "router.hpp"
#include "server_config.hpp"

#include <plinth/sdk/thread_annotations.hpp>

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <list>
#include <memory>
#include <string>

namespace plinth::http {

// The part of a connection the server can reach while draining.
class ConnectionControl {
public:
    virtual ~ConnectionControl() = default;
    // Closes the connection if it is waiting for a request; one busy with a request closes after
    // its answer instead. [thread-safe: posts to the connection's strand]
    virtual void close_if_idle() = 0;
};

struct ServerState {
    ServerState(const ServerConfig &c, const Router &r, const Authenticator &a, Metrics &m, AccessLog &l,
                boost::asio::thread_pool &w)
        : config(c), router(r), auth(a), metrics(m), log(l), workers(w) {}

    const ServerConfig &config;
    const Router &router;
    const Authenticator &auth;
    Metrics &metrics;
    AccessLog &log;
    boost::asio::thread_pool &workers;
    std::atomic<bool> draining{false};

    // Request ids: a random per-process prefix and a counter ("5f3a9c1e-0000002a").
    std::string request_id_prefix;
    std::atomic<uint64_t> request_counter{0};
    // Writes the next id into `into`, reusing its capacity. [thread-safe]
    void next_request_id(std::string &into);

    // Live connections, so a drain can close the idle ones.
    sdk::Mutex connections_mutex;
    std::list<std::weak_ptr<ConnectionControl>> connections PLINTH_GUARDED_BY(connections_mutex);
    std::list<std::weak_ptr<ConnectionControl>>::iterator track(std::weak_ptr<ConnectionControl> c)
        PLINTH_EXCLUDES(connections_mutex);
    void untrack(std::list<std::weak_ptr<ConnectionControl>>::iterator it) PLINTH_EXCLUDES(connections_mutex);
};

} // namespace plinth::http
