// `plinth-host serve` as a child process on a loopback port the system picks, with its own state
// folder and configuration; stopped with SIGTERM like an operator would.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <sys/types.h>

namespace plinth::test {

class ServerProcess {
public:
    // Writes `config` to <home>/plinth.json and starts the server; fails the test (and leaves
    // port() 0) when it does not report a listening address within a minute.
    ServerProcess(std::string home, const boost::json::object &config);
    ~ServerProcess(); // SIGTERM when still running, SIGKILL if it does not end

    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string &home() const { return home_; }
    // Sends SIGTERM and waits; the exit code, or -1 when it died from a signal or did not end
    // within `wait_s`.
    int terminate(int wait_s = 60);
    // Sends SIGTERM without waiting.
    void signal_terminate();
    // Waits for the process; as terminate().
    int wait(int wait_s = 60);
    // Everything the server wrote to its access log so far.
    std::string access_log() const;
    std::string stderr_text() const;

private:
    std::string home_;
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    uint16_t port_ = 0;
};

// Runs `plinth-host call ...` (the operator's console) with the same state folder and
// configuration; returns its standard output.
std::string run_cli(const std::string &home, const std::string &arguments);

} // namespace plinth::test
