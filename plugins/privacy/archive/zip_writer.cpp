#include "zip_writer.hpp"

#include <plinth/sdk/error.hpp>

#include <zip.h>

#include <sys/stat.h>

namespace plinth::privacy {

namespace {

[[noreturn]] void fail(const std::string &what, zip_error_t *error) {
    std::string message = what + ": " + zip_error_strerror(error);
    throw sdk::Error(PLINTH_E_INTERNAL, message);
}

void check_name(std::string_view name) {
    bool ok = !name.empty() && name.front() != '/' && name.find('\\') == std::string_view::npos;
    for (size_t start = 0; ok && start <= name.size();) {
        size_t end = name.find('/', start);
        if (end == std::string_view::npos) end = name.size();
        std::string_view segment = name.substr(start, end - start);
        ok = !segment.empty() && segment != "." && segment != "..";
        start = end + 1;
    }
    if (!ok) throw sdk::Error(PLINTH_E_INTERNAL, "refusing archive entry name '" + std::string(name) + "'");
}

} // namespace

ZipWriter::ZipWriter(const std::filesystem::path &path) : path_(path) {
    int code = 0;
    zip_ = zip_open(path.c_str(), ZIP_CREATE | ZIP_EXCL, &code);
    if (zip_ == nullptr) {
        zip_error_t error;
        zip_error_init_with_code(&error, code);
        std::string message = "cannot create export archive: ";
        message += zip_error_strerror(&error);
        zip_error_fini(&error);
        throw sdk::Error(PLINTH_E_INTERNAL, message);
    }
}

ZipWriter::~ZipWriter() {
    if (zip_) zip_discard(zip_);
}

void ZipWriter::add(std::string_view name, zip_source_t *source) {
    std::string entry(name);
    zip_int64_t index = zip_file_add(zip_, entry.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
        zip_source_free(source);
        fail("cannot add " + entry, zip_get_error(zip_));
    }
    zip_set_file_compression(zip_, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 6);
}

void ZipWriter::add_bytes(std::string_view name, std::string bytes) {
    check_name(name);
    buffers_.push_back(std::move(bytes));
    const std::string &b = buffers_.back();
    zip_source_t *source = zip_source_buffer(zip_, b.data(), b.size(), 0);
    if (source == nullptr) fail("cannot add " + std::string(name), zip_get_error(zip_));
    add(name, source);
}

void ZipWriter::add_file(std::string_view name, const std::filesystem::path &file) {
    check_name(name);
    zip_source_t *source = zip_source_file(zip_, file.c_str(), 0, -1);
    if (source == nullptr) fail("cannot add " + std::string(name), zip_get_error(zip_));
    add(name, source);
}

void ZipWriter::finish() {
    if (zip_close(zip_) != 0) fail("cannot write export archive", zip_get_error(zip_));
    zip_ = nullptr;
    buffers_.clear();
    if (::chmod(path_.c_str(), S_IRUSR | S_IWUSR) != 0)
        throw sdk::Error(PLINTH_E_INTERNAL, "cannot restrict permissions of the export archive");
}

std::string read_zip_entry(const std::filesystem::path &archive, std::string_view name) {
    int code = 0;
    zip_t *z = zip_open(archive.c_str(), ZIP_RDONLY, &code);
    if (z == nullptr) throw sdk::Error(PLINTH_E_NOT_FOUND, "cannot open archive " + archive.filename().string());
    std::string entry(name);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(z, entry.c_str(), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        zip_close(z);
        throw sdk::Error(PLINTH_E_NOT_FOUND, "archive has no entry " + entry);
    }
    zip_file_t *f = zip_fopen(z, entry.c_str(), 0);
    if (f == nullptr) {
        zip_close(z);
        throw sdk::Error(PLINTH_E_INTERNAL, "cannot read entry " + entry);
    }
    std::string bytes(static_cast<size_t>(st.size), '\0');
    zip_int64_t n = bytes.empty() ? 0 : zip_fread(f, bytes.data(), bytes.size());
    zip_fclose(f);
    zip_close(z);
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size)
        throw sdk::Error(PLINTH_E_INTERNAL, "short read of entry " + entry);
    return bytes;
}

std::deque<std::string> list_zip_entries(const std::filesystem::path &archive) {
    int code = 0;
    zip_t *z = zip_open(archive.c_str(), ZIP_RDONLY, &code);
    if (z == nullptr) throw sdk::Error(PLINTH_E_NOT_FOUND, "cannot open archive " + archive.filename().string());
    std::deque<std::string> names;
    zip_int64_t count = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < count; ++i)
        if (const char *n = zip_get_name(z, static_cast<zip_uint64_t>(i), 0)) names.emplace_back(n);
    zip_close(z);
    return names;
}

} // namespace plinth::privacy
