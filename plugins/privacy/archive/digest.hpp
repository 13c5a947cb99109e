// privacy/archive/digest.hpp — SHA-256 (libsodium) for manifests and token hashes.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace plinth::privacy {

using Sha256 = std::array<unsigned char, 32>;

Sha256 sha256(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

// Incremental hashing for files written or read in pieces.
class Sha256Stream {
public:
    Sha256Stream();
    void update(const void *bytes, size_t size);
    Sha256 finish();

private:
    alignas(64) unsigned char state_[512];
};

// SHA-256 of a file's contents; throws sdk::Error (internal) when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path &path, uint64_t *size = nullptr);

} // namespace plinth::privacy
