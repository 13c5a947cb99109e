#include <plinth/storage/migrations.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>

namespace plinth::storage {

namespace {

std::string sha256_hex(std::string_view text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(text.data()), text.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

// Releases the named lock however the migration ends.
struct NamedLock {
    Connection &c;
    std::string name;
    NamedLock(Connection &connection, std::string lock_name) : c(connection), name(std::move(lock_name)) {
        Rows r = c.query("SELECT GET_LOCK(?, 60)", {name});
        if (r.empty() || r[0].i64(0) != 1)
            throw sdk::unavailable("timed out waiting for the migration lock '" + name + "'");
    }
    ~NamedLock() {
        try {
            c.query("SELECT RELEASE_LOCK(?)", {name});
        } catch (...) {
            // The lock dies with the session anyway.
        }
    }
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

boost::json::object migrate(Pool &pool, std::string_view module, std::span<const Migration> migrations) {
    std::vector<Migration> ordered(migrations.begin(), migrations.end());
    std::sort(ordered.begin(), ordered.end(), [](const auto &a, const auto &b) { return a.name < b.name; });

    return pool.run([&](Connection &c) {
        c.execute_trusted("CREATE TABLE IF NOT EXISTS plinth_schema_migrations ("
                          " module VARCHAR(64) NOT NULL,"
                          " name VARCHAR(190) NOT NULL,"
                          " checksum CHAR(64) NOT NULL,"
                          " applied_at BIGINT NOT NULL,"
                          " PRIMARY KEY (module, name)"
                          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
        // One lock per database: two hosts starting together apply each migration exactly once.
        Rows db = c.query("SELECT DATABASE()");
        NamedLock lock(c, "plinth_migrate:" + db.at(0).str(0));

        boost::json::array applied;
        std::string current;
        for (const Migration &m : ordered) {
            std::string checksum = sha256_hex(m.sql);
            Rows seen = c.query("SELECT checksum FROM plinth_schema_migrations WHERE module = ? AND name = ?",
                                {module, m.name});
            if (!seen.empty()) {
                if (seen[0].str(0) != checksum)
                    throw sdk::conflict("migration " + std::string(module) + "/" + std::string(m.name) +
                                        " was changed after it was applied; add a new migration instead");
                current = m.name;
                continue;
            }
            for (const std::string &statement : split_statements(m.sql)) c.execute_trusted(statement);
            c.execute("INSERT INTO plinth_schema_migrations (module, name, checksum, applied_at) "
                      "VALUES (?, ?, ?, UNIX_TIMESTAMP())",
                      {module, m.name, checksum});
            applied.emplace_back(m.name);
            current = m.name;
        }
        return boost::json::object{{"module", module}, {"applied", std::move(applied)}, {"current", current}};
    });
}

} // namespace plinth::storage
