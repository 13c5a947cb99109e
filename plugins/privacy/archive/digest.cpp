#include "digest.hpp"

#include "../domain/text.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <fstream>

namespace plinth::privacy {

static_assert(sizeof(crypto_hash_sha256_state) <= 512, "Sha256Stream state buffer too small");

Sha256 sha256(std::string_view bytes) {
    Sha256 out;
    crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
    return out;
}

std::string sha256_hex(std::string_view bytes) {
    Sha256 d = sha256(bytes);
    return sdk::encoding::to_hex(d);
}

Sha256Stream::Sha256Stream() {
    crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state *>(state_));
}

void Sha256Stream::update(const void *bytes, size_t size) {
    crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state *>(state_),
                              static_cast<const unsigned char *>(bytes), size);
}

Sha256 Sha256Stream::finish() {
    Sha256 out;
    crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state *>(state_), out.data());
    return out;
}

std::string sha256_file_hex(const std::filesystem::path &path, uint64_t *size) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sdk::Error(PLINTH_E_INTERNAL, "cannot read " + path.filename().string());
    Sha256Stream hash;
    char buffer[64 * 1024];
    uint64_t total = 0;
    while (in) {
        in.read(buffer, sizeof buffer);
        std::streamsize n = in.gcount();
        if (n <= 0) break;
        hash.update(buffer, static_cast<size_t>(n));
        total += static_cast<uint64_t>(n);
    }
    if (in.bad()) throw sdk::Error(PLINTH_E_INTERNAL, "cannot read " + path.filename().string());
    if (size) *size = total;
    Sha256 d = hash.finish();
    return sdk::encoding::to_hex(d);
}

} // namespace plinth::privacy
