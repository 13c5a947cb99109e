// tickets/domain/credential_cipher.hpp — sealing credentials at rest.
//
// XChaCha20-Poly1305 (libsodium crypto_aead_xchacha20poly1305_ietf) under a 32-byte key from the
// host's secrets ("credentials"), a fresh random 24-byte nonce per seal, and associated data
// binding the ciphertext to its place:
//     "plinth.tickets.credential/1;ticket=<ticket id>;credential=<credential id>"
// so a ciphertext altered, or copied or moved to another ticket or credential row, fails to open
// instead of revealing someone else's login. The plaintext is padded (ISO/IEC 7816-4) to a
// multiple of 64 bytes so the stored length does not give away a password's length.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::tickets {

struct SealedCredential {
    int32_t key_version = 1;
    std::vector<uint8_t> nonce;
    std::vector<uint8_t> ciphertext;
};

// Holds the key in libsodium's guarded memory (locked, wiped on destruction). [thread-safe]
class CredentialCipher {
public:
    static constexpr int32_t kKeyVersion = 1;
    static constexpr size_t kKeyBytes = 32;

    // REQUIRES: key.size() == kKeyBytes. The caller should wipe its own copy.
    explicit CredentialCipher(std::span<const uint8_t> key);
    ~CredentialCipher();
    CredentialCipher(const CredentialCipher &) = delete;
    CredentialCipher &operator=(const CredentialCipher &) = delete;

    SealedCredential seal(int64_t ticket_id, int64_t credential_id, std::string_view plaintext) const;
    // Throws sdk::Error(PLINTH_E_INTERNAL) with a clear message, and no plaintext, when the
    // ciphertext was altered, belongs to another ticket or credential, or uses an unknown key.
    std::string open(int64_t ticket_id, int64_t credential_id, const SealedCredential &sealed) const;

    static std::string associated_data(int64_t ticket_id, int64_t credential_id);

private:
    unsigned char *key_; // sodium_malloc'd
};

} // namespace plinth::tickets
