#include "support/database_pool.hpp"

#include <plinth/storage/migrations.hpp>

#include <sodium.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

namespace plinth::test::database_pool {

namespace {

// More slots than CTest ever runs tests at once, with room for tests that hold two databases.
constexpr int kSlots = 64;

std::string quoted(const std::string &identifier) {
    if (identifier.find('`') != std::string::npos) throw std::runtime_error("unexpected identifier " + identifier);
    return "`" + identifier + "`";
}

std::string sha256_hex(const std::string &text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(text.data()), text.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string upper_first_word(const std::string &statement) {
    size_t begin = statement.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    size_t end = begin;
    while (end < statement.size() && std::isalpha(static_cast<unsigned char>(statement[end]))) ++end;
    std::string word = statement.substr(begin, end - begin);
    for (char &c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return word;
}

// What the recorded migrations of a database did: the tables they create and the statements
// that put rows in them.
struct Recorded {
    std::set<std::string> tables{"plinth_schema_migrations"};
    std::vector<std::string> data_statements;
};

// Reads the recorded migrations back from sql/<module>/<name>.sql; false when one is missing or
// differs from what was applied.
bool read_recorded(storage::Connection &admin, const std::string &database, Recorded &out) {
    static const std::regex create_table(R"(^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?)",
                                         std::regex::icase);
    storage::Rows applied =
        admin.query("SELECT module, name, checksum FROM " + quoted(database) +
                    ".plinth_schema_migrations ORDER BY module, name");
    for (const storage::Row &m : applied) {
        const std::string &module = m.str(0);
        const std::string &name = m.str(1);
        if (module.find('/') != std::string::npos || name.find('/') != std::string::npos) return false;
        std::ifstream file(std::string(PLINTH_SOURCE_DIR) + "/sql/" + module + "/" + name + ".sql",
                           std::ios::binary);
        if (!file) return false;
        std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (sha256_hex(text) != m.str(2)) return false;
        for (std::string &statement : storage::split_statements(text)) {
            std::smatch match;
            std::string word = upper_first_word(statement);
            if (std::regex_search(statement, match, create_table))
                out.tables.insert(match[1].str());
            else if (word == "INSERT" || word == "REPLACE" || word == "UPDATE" || word == "DELETE")
                out.data_statements.push_back(std::move(statement));
        }
    }
    return true;
}

// Runs `body` with foreign key checks off on `admin`, restoring them however it ends.
template <class F>
void without_foreign_keys(storage::Connection &admin, F &&body) {
    admin.execute_trusted("SET FOREIGN_KEY_CHECKS = 0");
    try {
        body();
    } catch (...) {
        admin.execute_trusted("SET FOREIGN_KEY_CHECKS = 1");
        throw;
    }
    admin.execute_trusted("SET FOREIGN_KEY_CHECKS = 1");
}

} // namespace

std::string claim(storage::Connection &admin, std::string_view suite) {
    for (int slot = 0; slot < kSlots; ++slot) {
        std::string name = "t_" + std::string(suite) + "_" + std::to_string(slot);
        if (admin.query("SELECT GET_LOCK(?, 0)", {"plinth_test:" + name}).at(0).i64(0) == 1) return name;
    }
    throw std::runtime_error("every test database slot of '" + std::string(suite) + "' is in use");
}

bool reset(storage::Connection &admin, const std::string &database) {
    try {
        storage::Rows tables = admin.query(
            "SELECT table_name, table_type, auto_increment FROM information_schema.tables WHERE table_schema = ?",
            {database});
        if (tables.empty()) return admin.query("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
                                               {database})
                                       .at(0)
                                       .i64(0) == 1;
        Recorded recorded;
        bool has_record = false;
        for (const storage::Row &t : tables) has_record |= t.str(0) == "plinth_schema_migrations";
        if (!has_record || !read_recorded(admin, database, recorded)) return false;
        for (const storage::Row &t : tables)
            if (t.str(1) != "BASE TABLE" || !recorded.tables.contains(t.str(0))) return false;

        without_foreign_keys(admin, [&] {
            for (const storage::Row &t : tables) {
                if (t.str(0) == "plinth_schema_migrations") continue;
                std::string table = quoted(database) + "." + quoted(t.str(0));
                // TRUNCATE also resets AUTO_INCREMENT but recreates the table file, so it is kept
                // for the tables whose counter moved; the others are emptied in place.
                if (!t.is_null(2) && t.i64(2) > 1)
                    admin.execute_trusted("TRUNCATE TABLE " + table);
                else
                    admin.execute_trusted("DELETE FROM " + table);
            }
            if (recorded.data_statements.empty()) return;
            admin.execute_trusted("USE " + quoted(database));
            for (const std::string &statement : recorded.data_statements) admin.execute_trusted(statement);
            admin.execute_trusted("USE mysql");
        });
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

} // namespace plinth::test::database_pool
