// The processes of the WordPress test (wordpress_test.cpp): shell commands, loopback ports,
// `php -S` serving a site folder.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace plinth::test::wordpress {

// PHP compiles WordPress's files again in every process (about 0.7 s of CPU each); OPcache's file
// cache in `opcache_dir` makes the second and later runs several times faster. Timestamps are
// checked on every load, so a plugin's files after an update are compiled afresh.
std::string php_options(const std::string &opcache_dir);

// Runs a shell command; its standard output.
std::string run(const std::string &command);
// `text` as one single-quoted shell word.
std::string shell_quoted(const std::string &text);

// A loopback port that is free now (the site's and the store's URLs must be known before their
// servers start: WordPress's home URL and Plinth's download links name them).
uint16_t free_port();
bool accepts_connections(uint16_t port);

// Empty when Debian's WordPress (in `wordpress_dir`) and the PHP extensions the test needs are
// installed; otherwise the Debian package that is missing (tools/install-deps.sh installs them).
std::string missing_packages(const std::string &wordpress_dir);

// `php -S` on 127.0.0.1:`port` serving `site`, PHP started with `options`, every page starting
// with `prepend_file` (which points WordPress at the site folder's own wp-config.php). One
// process (no PHP_CLI_SERVER_WORKERS: its workers outlive a stopped master), in a process group
// of its own that is stopped whole, and told to end should the test process die first.
class PhpServer {
public:
    PhpServer(const std::string &site, uint16_t port, const std::string &options, const std::string &prepend_file);
    ~PhpServer();
    PhpServer(const PhpServer &) = delete;
    PhpServer &operator=(const PhpServer &) = delete;
    bool ready() const { return ready_; }
    uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    uint16_t port_;
    bool ready_ = false;
};

} // namespace plinth::test::wordpress
