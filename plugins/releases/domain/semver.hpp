// releases/domain/semver.hpp — Semantic Versioning 2.0.0: parsing and precedence.
//
// A release's version is strict SemVer (the vendor chooses it, so a typo is refused). The version
// a site reports as installed is read leniently, because WordPress plugins often say "1.2" or
// "v1.2.0": see parse_installed_version().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::releases {

// Longest version text accepted anywhere (the column is this wide).
inline constexpr size_t kMaxVersionBytes = 100;

struct Version {
    uint64_t major = 0;
    uint64_t minor = 0;
    uint64_t patch = 0;
    std::vector<std::string> pre_release; // dot-separated identifiers; empty for a normal version
    std::string build;                    // metadata after '+'; ignored by precedence

    bool is_pre_release() const { return !pre_release.empty(); }
    // The canonical text: MAJOR.MINOR.PATCH[-PRE][+BUILD].
    std::string text() const;
};

// Strict SemVer 2.0.0: three numeric parts without leading zeros, optional pre-release
// identifiers ([0-9A-Za-z-]+, numeric ones without leading zeros) and build metadata. Numbers
// beyond 2^63 are refused. Returns nullopt for anything else (including a leading "v").
std::optional<Version> parse_semver(std::string_view text);

// What a site says it runs: an optional leading "v", one to three numeric parts (missing ones are
// 0, leading zeros tolerated), then optional "-pre" and "+build" as in SemVer. "1.2" reads as
// 1.2.0. Returns nullopt for anything else.
std::optional<Version> parse_installed_version(std::string_view text);

// SemVer precedence (§11): negative, zero or positive like strcmp. Build metadata is ignored, so
// two versions differing only in build compare equal. A pre-release is lower than its normal
// version; identifiers compare numerically when both are numeric, numbers below words, and a
// longer list wins when all shared identifiers are equal.
int compare(const Version &a, const Version &b) noexcept;

inline bool operator<(const Version &a, const Version &b) noexcept { return compare(a, b) < 0; }

} // namespace plinth::releases
