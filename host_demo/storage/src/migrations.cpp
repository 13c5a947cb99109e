#include <plinth/storage/migrations.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <map>
#include <thread>

namespace plinth::storage {

namespace {

// The claim row's name: it sorts after every NNN_name and is never a migration's name.
constexpr std::string_view kClaim = "~claim";

std::string sha256_hex(std::string_view text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(text.data()), text.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string random_token() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char hex[sizeof bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    return hex;
}

// Errors a statement of an interrupted migration gives when the interrupted run already applied
// it: the object exists (1050 table, 1060 column, 1061 index, 1826 foreign key), is already gone
// (1091), or its seed row is there (1062).
bool already_applied(unsigned code) {
    return code == 1050 || code == 1060 || code == 1061 || code == 1826 || code == 1091 || code == 1062;
}

// Creates the bookkeeping table once, on a database that has none: the only DDL outside a claim.
// On a cluster two hosts may race here; the loser's 1050 means the table is there.
void ensure_table(Pool &pool) {
    for (unsigned attempt = 1;; ++attempt) {
        try {
            pool.run([](Connection &c) {
                Rows found = c.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                                     "AND table_name = 'plinth_schema_migrations'");
                if (found.at(0).i64(0) > 0) return;
                c.execute_trusted("CREATE TABLE IF NOT EXISTS plinth_schema_migrations ("
                                  " module VARCHAR(64) NOT NULL,"
                                  " name VARCHAR(190) NOT NULL,"
                                  " checksum CHAR(64) NOT NULL,"
                                  " applied_at BIGINT NOT NULL,"
                                  " PRIMARY KEY (module, name)"
                                  ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
            });
            return;
        } catch (const DbError &e) {
            if (e.code() == 1050) return;
            if (!e.retry_transaction() || attempt >= 8) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
        }
    }
}

// name -> checksum of every recorded migration of `module` (the claim row excluded).
std::map<std::string, std::string> recorded(Pool &pool, std::string_view module) {
    return pool.run([&](Connection &c) {
        std::map<std::string, std::string> out;
        for (const Row &r : c.query("SELECT name, checksum FROM plinth_schema_migrations WHERE module = ? AND name <> ?",
                                    {module, kClaim}))
            out.emplace(r.str(0), r.str(1));
        return out;
    });
}

// The claim of one module's migrations, held by one process anywhere in the cluster: a committed
// row that only one concurrent insert survives (duplicate key on one server, certification on
// Galera). Released on success; on failure it is left behind marked stale, so the next run takes
// it over at once and repairs what was half done.
class Claim {
public:
    Claim(Pool &pool, std::string_view module, const MigrateOptions &options)
        : pool_(pool), module_(module), token_(random_token()) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.claim_wait_s);
        for (;;) {
            if (try_insert()) return;
            auto holder = pool_.run([&](Connection &c) {
                return c.query("SELECT checksum, UNIX_TIMESTAMP() - applied_at FROM plinth_schema_migrations "
                               "WHERE module = ? AND name = ?",
                               {module_, kClaim});
            });
            if (!holder.empty() && holder[0].i64(1) >= static_cast<int64_t>(options.claim_stale_s) &&
                take_over(holder[0].str(0))) {
                resumed_ = true;
                return;
            }
            if (std::chrono::steady_clock::now() >= deadline)
                throw sdk::unavailable("the migrations of '" + module_ + "' are being applied by another host; gave up " +
                                       "waiting after " + std::to_string(options.claim_wait_s) + " s");
            std::this_thread::sleep_for(std::chrono::milliseconds(100 + randombytes_uniform(200)));
        }
    }
    ~Claim() {
        try {
            if (failed_) // applied_at 0: stale for everyone, so the next run resumes at once
                pool_.run([&](Connection &c) {
                    c.execute("UPDATE plinth_schema_migrations SET applied_at = 0 WHERE module = ? AND name = ? "
                              "AND checksum = ?",
                              {module_, kClaim, token_});
                });
            else
                pool_.run([&](Connection &c) {
                    c.execute("DELETE FROM plinth_schema_migrations WHERE module = ? AND name = ? AND checksum = ?",
                              {module_, kClaim, token_});
                });
        } catch (...) {
            // Left as it is, the claim goes stale after claim_stale_s and the next run resumes.
        }
    }
    Claim(const Claim &) = delete;
    Claim &operator=(const Claim &) = delete;

    // A claim taken over from a host that stopped half-way: statements may already be applied.
    bool resumed() const { return resumed_; }
    void mark_failed() { failed_ = true; }

    // Proves the claim is still ours and tells waiting hosts that work goes on.
    void heartbeat(Connection &c) {
        if (c.execute("UPDATE plinth_schema_migrations SET applied_at = UNIX_TIMESTAMP() WHERE module = ? AND name = ? "
                      "AND checksum = ?",
                      {module_, kClaim, token_}) != 1)
            throw sdk::unavailable("another host took over the migrations of '" + module_ + "'");
    }

private:
    bool try_insert() {
        try {
            pool_.run([&](Connection &c) {
                c.execute("INSERT INTO plinth_schema_migrations (module, name, checksum, applied_at) "
                          "VALUES (?, ?, ?, UNIX_TIMESTAMP())",
                          {module_, kClaim, token_});
            });
            return true;
        } catch (const DbError &e) {
            if (e.duplicate_key() || e.retry_transaction()) return false;
            throw;
        }
    }
    bool take_over(const std::string &stale_token) {
        try {
            return pool_.run([&](Connection &c) {
                return c.execute("UPDATE plinth_schema_migrations SET checksum = ?, applied_at = UNIX_TIMESTAMP() "
                                 "WHERE module = ? AND name = ? AND checksum = ?",
                                 {token_, module_, kClaim, stale_token}) == 1;
            });
        } catch (const DbError &e) {
            if (e.retry_transaction()) return false; // another host took it over first
            throw;
        }
    }

    Pool &pool_;
    std::string module_;
    std::string token_;
    bool resumed_ = false;
    bool failed_ = false;
};

} // namespace

std::vector<std::string> split_statements(std::string_view sql) {
    std::vector<std::string> statements;
    std::string current;
    size_t pos = 0;
    while (pos <= sql.size()) {
        size_t end = sql.find('\n', pos);
        if (end == std::string_view::npos) end = sql.size();
        std::string_view line = sql.substr(pos, end - pos);
        pos = end + 1;
        size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos || line.substr(first, 2) == "--") continue;
        current.append(line).push_back('\n');
        size_t last = line.find_last_not_of(" \t\r");
        if (line[last] == ';') {
            current.erase(current.find_last_of(';'));
            statements.push_back(std::move(current));
            current.clear();
        }
    }
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
    return statements;
}

boost::json::object migrate(Pool &pool, std::string_view module, std::span<const Migration> migrations,
                            const MigrateOptions &options) {
    std::vector<Migration> ordered(migrations.begin(), migrations.end());
    std::sort(ordered.begin(), ordered.end(), [](const auto &a, const auto &b) { return a.name < b.name; });

    // What is missing, refusing any applied file that was edited since.
    auto pending_of = [&](const std::map<std::string, std::string> &done) {
        std::vector<const Migration *> pending;
        for (const Migration &m : ordered) {
            auto it = done.find(std::string(m.name));
            if (it == done.end()) {
                pending.push_back(&m);
            } else if (it->second != sha256_hex(m.sql)) {
                throw sdk::conflict("migration " + std::string(module) + "/" + std::string(m.name) +
                                    " was changed after it was applied; add a new migration instead");
            }
        }
        return pending;
    };
    auto report = [&](boost::json::array applied) {
        std::string current = ordered.empty() ? std::string() : std::string(ordered.back().name);
        return boost::json::object{{"module", module}, {"applied", std::move(applied)}, {"current", current}};
    };

    // An ordinary start: everything recorded, so two reads and no DDL, no claim.
    ensure_table(pool);
    if (pending_of(recorded(pool, module)).empty()) return report({});

    Claim claim(pool, module, options);
    boost::json::array applied;
    try {
        // Another host may have applied them while this one waited for the claim.
        std::vector<const Migration *> pending = pending_of(recorded(pool, module));
        pool.run([&](Connection &c) {
            for (const Migration *m : pending) {
                for (const std::string &statement : split_statements(m->sql)) {
                    claim.heartbeat(c);
                    try {
                        c.execute_trusted(statement);
                    } catch (const DbError &e) {
                        if (!(claim.resumed() && already_applied(e.code()))) throw;
                    }
                }
                c.execute("INSERT INTO plinth_schema_migrations (module, name, checksum, applied_at) "
                          "VALUES (?, ?, ?, UNIX_TIMESTAMP())",
                          {module, m->name, sha256_hex(m->sql)});
                applied.emplace_back(m->name);
            }
        });
    } catch (...) {
        claim.mark_failed();
        throw;
    }
    return report(std::move(applied));
}

} // namespace plinth::storage
