// releases/domain/selection.hpp — which release a site is offered.
//
// One pure function decides it from plain facts (the product's releases, the channel the site
// follows, the site's rollout bucket and the version it runs), so the rules are written once and
// tested without a database.
#pragma once

#include "semver.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::releases {

// stable: only stable releases. beta: stable and beta releases, whichever is newer.
enum class Channel : int32_t { stable = 0, beta = 1 };

std::optional<Channel> parse_channel(std::string_view name);
std::string_view channel_name(Channel channel);

// Rollouts are kept in basis points (1/100 of a percent) so that a vendor can start with 0.5 %.
inline constexpr int32_t kFullRollout = 10000;

// What selection needs to know about one release.
struct Candidate {
    int64_t id = 0;
    Version version;
    Channel channel = Channel::stable;
    bool yanked = false;
    int32_t rollout = kFullRollout; // basis points, 0..10000
};

// The site's place in the rollout order of `product`: 0..9999, from the first 8 bytes of
// SHA-256 over the product and the canonical site. Stable (the same inputs give the same
// bucket in every process and release) and uniform. A release is admitted when
// bucket < rollout, so raising a rollout only ever adds sites: a site that was offered a release
// keeps being offered it. The product is part of the hash so that the same sites are not the
// first to receive every vendor's product, while every release of one product reaches its
// sites in the same order (the early sites of 1.3 are the early sites of 1.2).
int32_t rollout_bucket(std::string_view product, std::string_view canonical_site);

bool admitted(const Candidate &release, int32_t bucket) noexcept;

// True when a release on `release_channel` may be offered to a site following `followed`.
bool channel_admits(Channel followed, Channel release_channel) noexcept;

// The newest release that is not yanked, on a channel the site follows, admitted by its bucket;
// nullptr when there is none. A release that is newer but not yet rolled out to the site does
// not hide an older one the site is admitted to.
const Candidate *newest_admitted(const std::vector<Candidate> &releases, Channel followed, int32_t bucket);

// newest_admitted(), but only when it is newer than `installed` (nullptr otherwise). A site
// running a yanked or unknown version is never offered a downgrade.
const Candidate *select_update(const std::vector<Candidate> &releases, Channel followed, int32_t bucket,
                               const Version &installed);

} // namespace plinth::releases
