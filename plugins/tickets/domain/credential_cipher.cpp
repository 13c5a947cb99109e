#include "credential_cipher.hpp"

#include "content.hpp"

#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <cstring>

namespace plinth::tickets {
namespace {

constexpr size_t kPadBlock = 64;

} // namespace

CredentialCipher::CredentialCipher(std::span<const uint8_t> key) {
    ensure_sodium();
    static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (key.size() != kKeyBytes) throw sdk::Error(PLINTH_E_INTERNAL, "the credentials key must be 32 bytes");
    key_ = static_cast<unsigned char *>(sodium_malloc(kKeyBytes));
    if (key_ == nullptr) throw std::bad_alloc();
    std::memcpy(key_, key.data(), kKeyBytes);
    sodium_mprotect_readonly(key_);
}

CredentialCipher::~CredentialCipher() { sodium_free(key_); } // wipes before unmapping

std::string CredentialCipher::associated_data(int64_t ticket_id, int64_t credential_id) {
    return "plinth.tickets.credential/1;ticket=" + std::to_string(ticket_id) +
           ";credential=" + std::to_string(credential_id);
}

SealedCredential CredentialCipher::seal(int64_t ticket_id, int64_t credential_id, std::string_view plaintext) const {
    std::string ad = associated_data(ticket_id, credential_id);
    // Padded copy in a buffer we wipe ourselves.
    std::vector<uint8_t> padded(plaintext.size() + kPadBlock);
    std::memcpy(padded.data(), plaintext.data(), plaintext.size());
    size_t padded_size = 0;
    if (sodium_pad(&padded_size, padded.data(), plaintext.size(), kPadBlock, padded.size()) != 0)
        throw sdk::Error(PLINTH_E_INTERNAL, "credential padding failed");

    SealedCredential sealed;
    sealed.key_version = kKeyVersion;
    sealed.nonce.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    randombytes_buf(sealed.nonce.data(), sealed.nonce.size());
    sealed.ciphertext.resize(padded_size + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.ciphertext.data(), &written, padded.data(), padded_size,
                                               reinterpret_cast<const unsigned char *>(ad.data()), ad.size(),
                                               nullptr, sealed.nonce.data(), key_);
    sodium_memzero(padded.data(), padded.size());
    sealed.ciphertext.resize(written);
    return sealed;
}

std::string CredentialCipher::open(int64_t ticket_id, int64_t credential_id, const SealedCredential &sealed) const {
    std::string which = "credential " + std::to_string(credential_id) + " of ticket " + std::to_string(ticket_id);
    if (sealed.key_version != kKeyVersion)
        throw sdk::Error(PLINTH_E_INTERNAL, which + " is sealed with unknown key version " +
                                                std::to_string(sealed.key_version));
    if (sealed.nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        sealed.ciphertext.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES + kPadBlock)
        throw sdk::Error(PLINTH_E_INTERNAL, which + " cannot be decrypted: the stored ciphertext is malformed");
    std::string ad = associated_data(ticket_id, credential_id);
    std::string plain(sealed.ciphertext.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long size = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char *>(plain.data()), &size, nullptr,
                                                   sealed.ciphertext.data(), sealed.ciphertext.size(),
                                                   reinterpret_cast<const unsigned char *>(ad.data()), ad.size(),
                                                   sealed.nonce.data(), key_) != 0)
        throw sdk::Error(PLINTH_E_INTERNAL, which + " cannot be decrypted: the ciphertext was altered, "
                                                    "belongs to another ticket or credential, or the key changed");
    size_t unpadded = 0;
    if (sodium_unpad(&unpadded, reinterpret_cast<const unsigned char *>(plain.data()), size, kPadBlock) != 0) {
        wipe(plain);
        throw sdk::Error(PLINTH_E_INTERNAL, which + " cannot be decrypted: its padding is invalid");
    }
    // Shrinking in place keeps the bytes in the same buffer; wipe the tail we drop.
    sodium_memzero(plain.data() + unpadded, plain.size() - unpadded);
    plain.resize(unpadded);
    return plain;
}

} // namespace plinth::tickets
