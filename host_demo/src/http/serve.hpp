// `plinth-host serve`: the HTTP face over an already loaded host.
#pragma once

#include "../settings.hpp"

#include <plinth/host/host.hpp>

#include <string>
#include <vector>

namespace plinth::http {

struct ServeOptions {
    std::vector<std::string> listen; // --listen ADDR:PORT (repeatable); empty: the configuration's
    unsigned threads = 0;            // --threads N; 0: the configuration's, else the number of cores
};

// Serves until SIGTERM/SIGINT, then drains and returns 0. Prints one JSON line on standard
// output once listening: {"listening":["127.0.0.1:8080",...]} (scripts and tests read the port
// from it when they asked for port 0). Throws sdk::Error for a bad "http" section or an address
// that cannot be bound.
int serve(const host::Host &host, const host::Settings &settings, const ServeOptions &options);

} // namespace plinth::http
