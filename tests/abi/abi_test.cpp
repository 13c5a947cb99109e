// The ABI's binary shape: struct layouts pinned, one exported symbol per module.
#include <plinth/plinth.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <memory>
#include <string>
#include <vector>

// Layouts are part of the contract: a change is an ABI break and needs a new major (or an
// appended field with a larger struct_size). They are pinned in the headers themselves, next to
// each struct (PLINTH_PIN_AT / PLINTH_PIN_SIZE), so every host and module build checks them; the
// abi_header_check target compiles each header alone as C99, C11 and C++, and the test
// EveryStructInThePublicHeadersIsPinned below proves no struct or member was left out.
static_assert(sizeof(void *) == 8, "layouts are pinned for 64-bit targets");

namespace {

std::vector<std::string> dynamic_symbols(const std::filesystem::path &library) {
    std::string command = "nm -D --defined-only '" + library.string() + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
    std::vector<std::string> symbols;
    std::array<char, 512> line{};
    while (pipe && fgets(line.data(), line.size(), pipe.get())) {
        std::string s(line.data());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (!s.empty()) symbols.push_back(s.substr(s.rfind(' ') + 1));
    }
    return symbols;
}

std::vector<std::filesystem::path> modules_in(const char *dir) {
    std::vector<std::filesystem::path> out;
    for (const auto &e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".so") out.push_back(e.path());
    return out;
}

} // namespace

TEST(Abi, EveryBuiltModuleExportsExactlyTheEntrySymbol) {
    auto modules = modules_in(PLINTH_TEST_MODULE_DIR);
    for (const auto &m : modules_in(PLINTH_TEST_FIXTURE_DIR))
        if (m.filename() != "plinth_no_entry.so") modules.push_back(m);
    ASSERT_FALSE(modules.empty());
    for (const auto &m : modules) {
        auto symbols = dynamic_symbols(m);
        ASSERT_EQ(symbols.size(), 1u) << m << " exports: " << ::testing::PrintToString(symbols);
        EXPECT_EQ(symbols[0], PLINTH_ENTRY_SYMBOL) << m;
    }
}

TEST(Abi, MagicInitialiserDescribesThisBuild) {
    plinth_magic magic = PLINTH_MAGIC_INIT;
    EXPECT_EQ(magic.constant, PLINTH_MAGIC_CONSTANT);
    EXPECT_EQ(magic.pointer_size, sizeof(void *));
    EXPECT_EQ(magic.abi_major, PLINTH_ABI_MAJOR);
}

// ---- Every layout is pinned in its header ----

namespace {

// Drops /* */ and // comments (a loop, not a regex: libstdc++'s regex recurses per character).
std::string without_comments(const std::string &text) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "/*") == 0) {
            size_t end = text.find("*/", i + 2);
            i = end == std::string::npos ? text.size() : end + 2;
            out += ' ';
        } else if (text.compare(i, 2, "//") == 0) {
            i = text.find('\n', i);
            if (i == std::string::npos) i = text.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

// Member names of a struct body: function pointers by their (*name), others by the last word.
std::vector<std::string> members_of(const std::string &body) {
    static const std::regex function_pointer(R"(\(\s*\*\s*(\w+)\s*\))"), plain(R"((\w+)\s*(\[[^\]]*\])?\s*$)");
    std::vector<std::string> names;
    size_t start = 0;
    for (size_t end; (end = body.find(';', start)) != std::string::npos; start = end + 1) {
        std::string statement = body.substr(start, end - start);
        std::smatch m;
        if (std::regex_search(statement, m, function_pointer) || std::regex_search(statement, m, plain))
            names.push_back(m[1]);
    }
    return names;
}

} // namespace

TEST(Abi, EveryStructInThePublicHeadersIsPinned) {
    const std::filesystem::path root = std::filesystem::path(PLINTH_SOURCE_DIR) / "plugin_api/include/plinth";
    static const std::regex struct_def(R"(typedef\s+struct\s+(\w+)\s*\{([^{}]*)\}\s*(\w+)\s*;)");
    int structs = 0;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".h") continue;
        std::ifstream in(entry.path());
        const std::string text = without_comments(std::string(std::istreambuf_iterator<char>(in), {}));
        for (std::sregex_iterator it(text.begin(), text.end(), struct_def), end; it != end; ++it) {
            const std::string name = (*it)[3];
            ++structs;
            EXPECT_NE(text.find("PLINTH_PIN_SIZE(" + name + ","), std::string::npos)
                << entry.path().filename() << ": " << name << " has no size pin";
            const auto members = members_of((*it)[2]);
            ASSERT_FALSE(members.empty()) << name;
            // The first member sits at offset 0 by the language's rules; every later one is pinned.
            for (size_t i = 1; i < members.size(); ++i)
                EXPECT_NE(text.find("PLINTH_PIN_AT(" + name + ", " + members[i] + ","), std::string::npos)
                    << entry.path().filename() << ": " << name << "." << members[i] << " is not pinned";
        }
    }
    EXPECT_GE(structs, 40); // the parser found the structs (a broken pattern would find none)
}
