#include "selection.hpp"

#include <sodium.h>

#include <string>

namespace plinth::releases {

std::optional<Channel> parse_channel(std::string_view name) {
    if (name == "stable") return Channel::stable;
    if (name == "beta") return Channel::beta;
    return std::nullopt;
}

std::string_view channel_name(Channel channel) { return channel == Channel::beta ? "beta" : "stable"; }

int32_t rollout_bucket(std::string_view product, std::string_view canonical_site) {
    // Domain-separated and length-free: product slugs cannot hold a NUL byte.
    std::string input = "plinth-rollout/1";
    input.push_back('\0');
    input.append(product);
    input.push_back('\0');
    input.append(canonical_site);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(input.data()), input.size());
    uint64_t word = 0;
    for (int i = 0; i < 8; ++i) word = (word << 8) | digest[i];
    // 2^64 mod 10000 is tiny next to 2^64: the bias is far below one bucket in a trillion.
    return static_cast<int32_t>(word % static_cast<uint64_t>(kFullRollout));
}

bool admitted(const Candidate &release, int32_t bucket) noexcept { return bucket < release.rollout; }

bool channel_admits(Channel followed, Channel release_channel) noexcept {
    return release_channel == Channel::stable || followed == Channel::beta;
}

const Candidate *newest_admitted(const std::vector<Candidate> &releases, Channel followed, int32_t bucket) {
    const Candidate *best = nullptr;
    for (const Candidate &r : releases) {
        if (r.yanked || !channel_admits(followed, r.channel) || !admitted(r, bucket)) continue;
        if (best == nullptr || compare(best->version, r.version) < 0) best = &r;
    }
    return best;
}

const Candidate *select_update(const std::vector<Candidate> &releases, Channel followed, int32_t bucket,
                               const Version &installed) {
    const Candidate *best = newest_admitted(releases, followed, bucket);
    if (best == nullptr || compare(installed, best->version) >= 0) return nullptr;
    return best;
}

} // namespace plinth::releases
