// A connection lost while COMMIT is in flight. The host cannot know whether the server committed,
// so plinth.db/1 must answer "outcome unknown" (PLINTH_E_UNAVAILABLE, db_errno 2013) and must not
// run the work again: a second run could apply it twice (db.h, "Retries").
//
// The loss is made exact, not raced: the pool reaches the sandbox through a unix-socket proxy
// that forwards the client protocol packet by packet and, once armed, closes both sides when the
// client sends COMMIT, before the server sees it. The server then rolls the transaction back, so
// the test can also check that nothing was applied.
#include "support/test_host.hpp"

#include <plinth/sdk/db.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace plinth;

int unix_socket() { return ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); }

sockaddr_un address_of(const std::string &path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    return a;
}

bool write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// Forwards unix-socket connections to `upstream`. Client-to-server bytes are cut into protocol
// packets (3-byte little-endian length, sequence byte, payload); a command packet (sequence 0)
// whose payload is COM_QUERY (0x03) "COMMIT" ends the connection when the proxy is armed.
class CommitCuttingProxy {
public:
    CommitCuttingProxy(std::string path, std::string upstream) : path_(std::move(path)), upstream_(std::move(upstream)) {
        listener_ = unix_socket();
        sockaddr_un a = address_of(path_);
        ::unlink(path_.c_str());
        if (::bind(listener_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listener_, 16) != 0)
            throw std::runtime_error("proxy: cannot listen on " + path_ + ": " + std::strerror(errno));
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~CommitCuttingProxy() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        for (std::thread &t : pumps_) t.join();
        ::close(listener_);
        ::unlink(path_.c_str());
    }

    const std::string &path() const { return path_; }
    void arm() { armed_ = true; }
    int commits_cut() const { return cut_; }

private:
    void accept_loop() {
        for (;;) {
            int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) {
                if (stopping_) return;
                if (errno == EINTR || errno == ECONNABORTED) continue;
                return;
            }
            int server = unix_socket();
            sockaddr_un a = address_of(upstream_);
            if (::connect(server, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
                ::close(server);
                ::close(client);
                continue;
            }
            std::lock_guard lock(mutex_);
            pumps_.emplace_back([this, client, server] { pump(client, server); });
        }
    }

    // Returns false when the connection must end (a cut COMMIT, or a write that failed).
    bool forward_packets(std::string &pending, int server) {
        while (pending.size() >= 4) {
            size_t length = static_cast<unsigned char>(pending[0]) | static_cast<unsigned char>(pending[1]) << 8 |
                            static_cast<size_t>(static_cast<unsigned char>(pending[2])) << 16;
            if (pending.size() < 4 + length) return true;
            bool command = pending[3] == 0;
            if (armed_ && command && pending.compare(4, length, "\x03" "COMMIT") == 0) {
                ++cut_;
                return false;
            }
            if (!write_all(server, pending.data(), 4 + length)) return false;
            pending.erase(0, 4 + length);
        }
        return true;
    }

    void pump(int client, int server) {
        std::string pending;
        char buffer[16384];
        pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
        while (!stopping_) {
            if (::poll(fds, 2, 100) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                pending.append(buffer, static_cast<size_t>(n));
                if (!forward_packets(pending, server)) break;
            }
            if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = ::recv(server, buffer, sizeof buffer, 0);
                if (n <= 0 || !write_all(client, buffer, static_cast<size_t>(n))) break;
            }
        }
        ::close(client);
        ::close(server);
    }

    std::string path_, upstream_;
    int listener_ = -1;
    std::atomic<bool> stopping_{false}, armed_{false};
    std::atomic<int> cut_{0};
    std::mutex mutex_;
    std::thread acceptor_;
    std::vector<std::thread> pumps_;
};

struct Insert {
    const plinth_db_v1 *db = nullptr;
    int runs = 0;
};

int32_t insert_one(void *context, plinth_db_connection *c, plinth_error *error) {
    auto &w = *static_cast<Insert *>(context);
    ++w.runs;
    plinth_db_statement *s = nullptr;
    const char sql[] = "INSERT INTO ledger (note) VALUES (?)";
    if (int32_t rc = w.db->prepare(c, {sql, sizeof sql - 1}, &s, error); rc != PLINTH_OK) return rc;
    w.db->bind_text(s, 0, {"paid once", 9}, error);
    int32_t rc = w.db->step(s, error);
    w.db->finalize(s);
    return rc == PLINTH_DB_DONE ? PLINTH_OK : rc;
}

TEST(CommitLost, ATransactionWhoseCommitIsCutIsReportedUnknownAndNotRunAgain) {
    test::TestDatabase database("commit_lost");
    database.sql().execute_trusted("CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20)) "
                                   "ENGINE=InnoDB");
    std::string dir = std::filesystem::temp_directory_path() / ("plinth-commit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    CommitCuttingProxy proxy(dir + "/proxy.sock", database.socket());

    boost::json::object config = database.config();
    config["socket"] = proxy.path();
    storage::StandaloneDb standalone(config, "commit_lost_test");
    const plinth_host *host = standalone.host();
    const auto *db = static_cast<const plinth_db_v1 *>(host->get_service(host, PLINTH_SERVICE_DB));
    ASSERT_NE(db, nullptr);

    // Through the proxy, unarmed: a transaction commits as usual.
    Insert first{db};
    plinth_error error = sdk::make_error();
    ASSERT_EQ(db->transaction(host, insert_one, &first, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(first.runs, 1);

    proxy.arm();
    Insert second{db};
    error = sdk::make_error();
    EXPECT_EQ(db->transaction(host, insert_one, &second, &error), PLINTH_E_UNAVAILABLE) << error.message;
    EXPECT_EQ(error.db_errno, 2013);
    EXPECT_NE(std::strstr(error.message, "outcome is unknown"), nullptr) << error.message;
    EXPECT_EQ(proxy.commits_cut(), 1);
    EXPECT_EQ(second.runs, 1) << "a transaction whose COMMIT may have landed must not run again";

    // The server never saw that COMMIT: only the first row exists.
    storage::Rows rows = database.sql().query("SELECT COUNT(*) FROM ledger", {});
    EXPECT_EQ(rows.at(0).i64(0), 1);
    std::filesystem::remove_all(dir);
}

} // namespace
