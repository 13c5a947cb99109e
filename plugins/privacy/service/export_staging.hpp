// privacy/service/export_staging.hpp — an export's data on disk while its modules run one by one.
//
// <work>/<module>/items.jsonl   one {"category":..,"item":{..}} per line
// <work>/<module>/files.jsonl   one {"category","name","media_type","stored","size","sha256"} per line
// <work>/<module>/f<n>          the files' bytes
// <work>/<module>/complete      written last: the module's export is whole
//
// A module that was interrupted is staged again from scratch, so a resumed export has neither
// duplicates nor gaps; a module marked done whose staging is missing (another machine, a wiped
// state folder) is simply staged again.
#pragma once

#include "../domain/export_document.hpp"
#include "directory.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace plinth::privacy {

// Creates `dir` and its parents with mode 0700 (personal data lives below it).
void make_private_dir(const std::filesystem::path &dir);

class StagedModuleWriter final : public ExportReceiver {
public:
    // Empties and recreates the module's staging folder.
    explicit StagedModuleWriter(std::filesystem::path dir);
    void item(std::string_view category, std::string_view json_object) override;
    void file(std::string_view category, std::string_view name, std::string_view media_type, const uint8_t *bytes,
              size_t size) override;
    // Flushes everything and writes the completion marker.
    void complete();

    int64_t items() const { return items_; }
    int64_t files() const { return files_; }

private:
    std::filesystem::path dir_;
    std::ofstream items_out_;
    std::ofstream files_out_;
    int64_t items_ = 0;
    int64_t files_ = 0;
};

class ExportStaging {
public:
    explicit ExportStaging(std::filesystem::path work_dir) : dir_(std::move(work_dir)) {}
    const std::filesystem::path &dir() const { return dir_; }

    std::filesystem::path module_dir(std::string_view module) const;
    bool is_complete(std::string_view module) const;

    // Reads a completed module's staging into `out` (groups from `reg`); `sources` receives
    // archive path -> staged file for every file, and `taken` the archive paths used.
    void load(std::string_view module, const Register &reg, ModuleExport &out,
              std::map<std::string, std::filesystem::path> &sources, std::set<std::string> &taken) const;

    void remove_all() const;

private:
    std::filesystem::path dir_;
};

} // namespace plinth::privacy
