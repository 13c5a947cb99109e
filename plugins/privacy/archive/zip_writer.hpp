// privacy/archive/zip_writer.hpp — a small owner of a libzip archive being written.
#pragma once

#include <deque>
#include <filesystem>
#include <string>
#include <string_view>

struct zip;
struct zip_source;

namespace plinth::privacy {

// Writes a new zip archive at `path` (which must not exist). Entries are deflated. Nothing
// appears at `path` until finish() succeeds; destroying an unfinished writer discards it.
// Not thread-safe.
class ZipWriter {
public:
    explicit ZipWriter(const std::filesystem::path &path);
    ~ZipWriter();
    ZipWriter(const ZipWriter &) = delete;
    ZipWriter &operator=(const ZipWriter &) = delete;

    // `name` is the path inside the archive ("files/tickets/a.png"); refused when it is absolute,
    // contains "..", or was already added.
    void add_bytes(std::string_view name, std::string bytes);
    // The file is read when finish() runs; it must exist until then.
    void add_file(std::string_view name, const std::filesystem::path &source);
    // Writes the archive and sets its mode to 0600.
    void finish();

private:
    void add(std::string_view name, ::zip_source *source);

    std::filesystem::path path_;
    ::zip *zip_ = nullptr;
    std::deque<std::string> buffers_; // libzip reads buffers at close time: keep them alive
};

// Reads a whole archive entry (for tests and verification). Throws sdk::Error when missing.
std::string read_zip_entry(const std::filesystem::path &archive, std::string_view name);
// Every entry name, in archive order.
std::deque<std::string> list_zip_entries(const std::filesystem::path &archive);

} // namespace plinth::privacy
