// fuzz/check.hpp — a property that must hold for every input. A failed one prints what was
// expected and aborts, so libFuzzer keeps the input as a crash (crash-<sha1>) to reproduce with.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace plinth::fuzz {

[[noreturn]] inline void property_failed(const char *what, std::string_view detail, const char *file, int line) {
    std::fprintf(stderr, "%s:%d: property failed: %s\n  detail: %.*s\n", file, line, what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

} // namespace plinth::fuzz

// Checks `condition`; `detail` (anything convertible to std::string_view) says what was seen.
#define FUZZ_CHECK(condition, detail)                                                              \
    do {                                                                                           \
        if (!(condition)) ::plinth::fuzz::property_failed(#condition, (detail), __FILE__, __LINE__); \
    } while (0)
