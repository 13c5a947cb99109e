#include "export_staging.hpp"

#include "../archive/digest.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <sys/stat.h>

namespace plinth::privacy {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxCategoryBytes = 128;
// A module's file name is what its items refer to, so it is kept whole: modules prefix their own
// folders ("tickets/ticket-7/12-<a 255-byte name>"), which must not fail the export. The archive
// entry name is derived from it separately (archive_file_path shortens it). Only a name no module
// could mean is refused.
constexpr size_t kMaxFileNameBytes = 4096;

[[noreturn]] void io_failure(const std::string &what) { throw sdk::Error(PLINTH_E_INTERNAL, what); }

void check_category(std::string_view category) {
    if (category.empty() || category.size() > kMaxCategoryBytes)
        throw sdk::Error(PLINTH_E_INTERNAL, "an exported item has no category or one longer than 128 bytes");
}

boost::json::object parse_line(const std::string &line, const fs::path &file) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) io_failure("damaged export staging file " + file.filename().string());
    return std::move(v.get_object());
}

std::string string_member(const boost::json::object &o, std::string_view key) {
    const auto *v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

} // namespace

void make_private_dir(const fs::path &dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) io_failure("cannot create folder " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) io_failure("cannot restrict permissions of " + dir.string());
}

StagedModuleWriter::StagedModuleWriter(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    make_private_dir(dir_);
    items_out_.open(dir_ / "items.jsonl", std::ios::binary | std::ios::trunc);
    files_out_.open(dir_ / "files.jsonl", std::ios::binary | std::ios::trunc);
    if (!items_out_ || !files_out_) io_failure("cannot write export staging in " + dir_.string());
}

void StagedModuleWriter::item(std::string_view category, std::string_view json_object) {
    check_category(category);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json_object, ec);
    if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "an exported item is not a JSON object");
    boost::json::object line{{"category", category}, {"item", std::move(v)}};
    items_out_ << boost::json::serialize(line) << '\n';
    if (!items_out_) io_failure("cannot write export staging (disk full?)");
    ++items_;
}

void StagedModuleWriter::file(std::string_view category, std::string_view name, std::string_view media_type,
                              const uint8_t *bytes, size_t size) {
    check_category(category);
    if (name.empty() || name.size() > kMaxFileNameBytes)
        throw sdk::Error(PLINTH_E_INTERNAL, "an exported file has no name or one longer than 4096 bytes");
    const std::string stored = "f" + std::to_string(files_);
    {
        std::ofstream out(dir_ / stored, std::ios::binary | std::ios::trunc);
        if (size) out.write(reinterpret_cast<const char *>(bytes), static_cast<std::streamsize>(size));
        out.flush();
        if (!out) io_failure("cannot write export staging (disk full?)");
    }
    boost::json::object line{{"category", category},
                             {"name", name},
                             {"media_type", media_type.empty() ? std::string_view("application/octet-stream")
                                                               : media_type},
                             {"stored", stored},
                             {"size", static_cast<uint64_t>(size)},
                             {"sha256", sha256_hex(std::string_view(reinterpret_cast<const char *>(bytes), size))}};
    files_out_ << boost::json::serialize(line) << '\n';
    if (!files_out_) io_failure("cannot write export staging (disk full?)");
    ++files_;
}

void StagedModuleWriter::complete() {
    items_out_.flush();
    files_out_.flush();
    if (!items_out_ || !files_out_) io_failure("cannot write export staging (disk full?)");
    items_out_.close();
    files_out_.close();
    std::ofstream marker(dir_ / "complete", std::ios::binary | std::ios::trunc);
    marker << items_ << ' ' << files_ << '\n';
    marker.flush();
    if (!marker) io_failure("cannot write export staging (disk full?)");
}

fs::path ExportStaging::module_dir(std::string_view module) const { return dir_ / std::string(module); }

bool ExportStaging::is_complete(std::string_view module) const {
    std::error_code ec;
    return fs::exists(module_dir(module) / "complete", ec);
}

void ExportStaging::load(std::string_view module, const Register &reg, ModuleExport &out,
                         std::map<std::string, fs::path> &sources, std::set<std::string> &taken) const {
    const fs::path dir = module_dir(module);
    out.module = std::string(module);
    {
        std::ifstream in(dir / "items.jsonl", std::ios::binary);
        if (!in) io_failure("export staging of module '" + std::string(module) + "' is missing");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            boost::json::object o = parse_line(line, dir / "items.jsonl");
            const auto *item = o.if_contains("item");
            if (item == nullptr || !item->is_object()) io_failure("damaged export staging of '" + out.module + "'");
            out.group(string_member(o, "category"), reg).items.push_back(item->get_object());
        }
    }
    std::ifstream in(dir / "files.jsonl", std::ios::binary);
    if (!in) io_failure("export staging of module '" + std::string(module) + "' is missing");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        boost::json::object o = parse_line(line, dir / "files.jsonl");
        ExportedFile f;
        f.name = string_member(o, "name");
        f.media_type = string_member(o, "media_type");
        f.sha256 = string_member(o, "sha256");
        const auto *size = o.if_contains("size");
        f.size = size && size->is_number() ? size->to_number<uint64_t>() : 0;
        f.archive_path = archive_file_path(module, f.name, taken);
        const std::string stored = string_member(o, "stored");
        if (stored.empty() || stored.find('/') != std::string::npos)
            io_failure("damaged export staging of '" + out.module + "'");
        sources[f.archive_path] = dir / stored;
        out.group(string_member(o, "category"), reg).files.push_back(std::move(f));
    }
}

void ExportStaging::remove_all() const {
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

} // namespace plinth::privacy
