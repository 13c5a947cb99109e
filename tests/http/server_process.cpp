#include "server_process.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace plinth::test {

ServerProcess::ServerProcess(std::string home, const boost::json::object &config) : home_(std::move(home)) {
    std::filesystem::create_directories(home_);
    std::ofstream(home_ + "/plinth.json") << boost::json::serialize(config);
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
        ADD_FAILURE() << "pipe failed";
        return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        std::FILE *err = std::fopen((home_ + "/stderr.log").c_str(), "w");
        if (err != nullptr) ::dup2(::fileno(err), STDERR_FILENO);
        ::close(pipe_fds[0]);
        ::unsetenv("PLINTH_MODULE_DIR");
        ::setenv("PLINTH_HOME", home_.c_str(), 1);
        ::setenv("PLINTH_CONFIG", (home_ + "/plinth.json").c_str(), 1);
        ::execl(PLINTH_HOST_BINARY, "plinth-host", "serve", static_cast<char *>(nullptr));
        std::_Exit(127);
    }
    ::close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{stdout_fd_, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        char buffer[512];
        ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
        if (n <= 0) break;
        line.append(buffer, static_cast<size_t>(n));
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line.substr(0, line.find('\n')), ec);
    if (ec || !v.is_object() || !v.as_object().contains("listening")) {
        ADD_FAILURE() << "the server did not start: " << line << "\n" << stderr_text();
        return;
    }
    std::string address(v.at("listening").as_array().at(0).as_string());
    port_ = static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        if (terminate(30) == -1 && pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void ServerProcess::signal_terminate() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
}

int ServerProcess::wait(int wait_s) {
    if (pid_ <= 0) return -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
}

int ServerProcess::terminate(int wait_s) {
    signal_terminate();
    return wait(wait_s);
}

std::string ServerProcess::access_log() const {
    std::ifstream in(home_ + "/access.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string ServerProcess::stderr_text() const {
    std::ifstream in(home_ + "/stderr.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string run_cli(const std::string &home, const std::string &arguments) {
    std::string command = "env -u PLINTH_MODULE_DIR PLINTH_HOME='" + home + "' PLINTH_CONFIG='" + home +
                          "/plinth.json' " PLINTH_HOST_BINARY " " + arguments + " 2>/dev/null";
    std::string out;
    FILE *pipe = ::popen(command.c_str(), "r");
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
    ::pclose(pipe);
    return out;
}

} // namespace plinth::test
