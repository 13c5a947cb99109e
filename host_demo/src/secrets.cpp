#include "secrets.hpp"

#include <plinth/sdk/error.hpp>

#include <sys/random.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace plinth::host {

namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

// Creates `dir` (and missing parents) owner-only. Each folder is created 0700 rather than
// created with the umask and tightened afterwards: no window in which others may look inside.
void make_private_dir(const std::filesystem::path &dir) {
    std::filesystem::path built;
    for (const auto &part : dir) {
        built /= part;
        if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST)
            throw sdk::unavailable("cannot create secrets folder " + built.string() + ": " + std::strerror(errno));
    }
}

// Reads exactly `size` bytes or fails; a key of another length is a configuration conflict.
void read_key(const std::filesystem::path &file, uint8_t *out, size_t size) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw sdk::unavailable("cannot open secret " + file.filename().string() + ": " + std::strerror(errno));
    struct stat st {};
    ::fstat(fd, &st);
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        throw sdk::Error(PLINTH_E_PERMISSION_DENIED,
                         "secret " + file.string() + " is accessible to other users; chmod 600 it");
    }
    if (static_cast<size_t>(st.st_size) != size) {
        ::close(fd);
        throw sdk::conflict("secret " + file.filename().string() + " holds " + std::to_string(st.st_size) +
                            " bytes, " + std::to_string(size) + " were asked for");
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::read(fd, out + done, size - done);
        if (n <= 0) {
            ::close(fd);
            throw sdk::unavailable("cannot read secret " + file.filename().string());
        }
        done += static_cast<size_t>(n);
    }
    ::close(fd);
}

} // namespace

void read_or_create_key(const std::filesystem::path &secrets_dir, std::string_view module,
                        std::string_view name, uint8_t *out, size_t size) {
    if (!valid_name(name)) throw sdk::invalid_argument("secret names are 1-64 characters of [a-z0-9_-]");
    if (size == 0 || size > 4096) throw sdk::invalid_argument("secret size must be 1..4096 bytes");
    std::filesystem::path dir = secrets_dir / std::string(module);
    make_private_dir(dir);
    // The secrets folder itself is owner-only too (folders made by older versions were 0755).
    ::chmod(secrets_dir.c_str(), 0700);
    ::chmod(dir.c_str(), 0700);
    std::filesystem::path file = dir / (std::string(name) + ".key");

    // Write a complete temporary file, then link it into place: a reader never sees a partial
    // key, and of two racing creators exactly one wins while the other reads the winner's key.
    if (!std::filesystem::exists(file)) {
        std::vector<uint8_t> fresh(size);
        size_t filled = 0;
        while (filled < size) {
            ssize_t n = ::getrandom(fresh.data() + filled, size - filled, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw sdk::unavailable("the system random source failed");
            filled += static_cast<size_t>(n);
        }
        std::string tmp = file.string() + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(reinterpret_cast<uintptr_t>(&fresh));
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw sdk::unavailable("cannot create secret " + file.filename().string());
        bool ok = ::write(fd, fresh.data(), size) == static_cast<ssize_t>(size) && ::fsync(fd) == 0;
        ::close(fd);
        std::memset(fresh.data(), 0, fresh.size());
        if (!ok) {
            ::unlink(tmp.c_str());
            throw sdk::unavailable("cannot write secret " + file.filename().string());
        }
        if (::link(tmp.c_str(), file.c_str()) != 0 && errno != EEXIST) {
            ::unlink(tmp.c_str());
            throw sdk::unavailable("cannot store secret " + file.filename().string());
        }
        ::unlink(tmp.c_str());
    }
    read_key(file, out, size);
}

} // namespace plinth::host
