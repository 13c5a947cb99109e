// Key files under <state>/secrets/<module>/<name>.key, created on first use with mode 0600.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace plinth::host {

// Copies the key into `out`, creating it (CSPRNG) when absent. Throws sdk::Error.
// [thread-safe]: concurrent creators race on O_EXCL and all read the winner's bytes.
void read_or_create_key(const std::filesystem::path &secrets_dir, std::string_view module,
                        std::string_view name, uint8_t *out, size_t size);

} // namespace plinth::host
