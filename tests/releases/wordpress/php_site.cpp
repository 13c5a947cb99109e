// The processes of the WordPress test: shell commands, loopback ports, php -S.
#include "php_site.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace plinth::test::wordpress {

std::string php_options(const std::string &opcache_dir) {
    return "-d opcache.enable=1 -d opcache.enable_cli=1 -d opcache.file_cache_only=1 -d opcache.validate_timestamps=1 "
           "-d opcache.revalidate_freq=0 -d opcache.file_cache=" + opcache_dir;
}

std::string run(const std::string &command) {
    std::string out;
    FILE *p = ::popen(command.c_str(), "r");
    if (p == nullptr) return out;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
    ::pclose(p);
    return out;
}

std::string shell_quoted(const std::string &text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

bool accepts_connections(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

std::string missing_packages(const std::string &wordpress_dir) {
    if (!std::filesystem::exists(wordpress_dir + "/wp-settings.php")) return "wordpress";
    std::string php = run("php -r 'echo extension_loaded(\"mysqli\") ? \"mysqli \" : \"\", "
                          "class_exists(\"ZipArchive\") ? \"zip \" : \"\", \"php\";' 2>/dev/null");
    if (php.find("php") == std::string::npos) return "php8.2-cli";
    if (php.find("mysqli") == std::string::npos) return "php8.2-mysql";
    if (php.find("zip") == std::string::npos) return "php8.2-zip";
    return {};
}

PhpServer::PhpServer(const std::string &site, uint16_t port, const std::string &options,
                     const std::string &prepend_file)
    : port_(port) {
    pid_ = ::fork();
    if (pid_ == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        std::FILE *log = std::fopen((site + "/php-server.log").c_str(), "w");
        if (log != nullptr) {
            ::dup2(::fileno(log), STDOUT_FILENO);
            ::dup2(::fileno(log), STDERR_FILENO);
        }
        ::unsetenv("PHP_CLI_SERVER_WORKERS");
        std::string command = "exec php " + options + " -d auto_prepend_file=" + shell_quoted(prepend_file) +
                              " -S 127.0.0.1:" + std::to_string(port) + " -t " + shell_quoted(site);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char *>(nullptr));
        std::_Exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (pid_ > 0 && !accepts_connections(port) && std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1; // it ended: the port was taken meanwhile, or php is broken
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ready_ = pid_ > 0 && accepts_connections(port);
}
PhpServer::~PhpServer() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    bool ended = false;
    for (int i = 0; i < 100 && !(ended = ::waitpid(pid_, nullptr, WNOHANG) == pid_); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!ended) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}
} // namespace plinth::test::wordpress
