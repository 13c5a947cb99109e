// privacy/domain/export_document.hpp — what an export archive says, independent of the zip.
//
// Archive layout (schema "plinth.privacy.export/1"):
//   export.json              machine-readable: subject, time, one group per module and category
//                            with its purpose, legal basis and retention from the inventory
//   index.html               the same for a person to read (every value escaped)
//   files/<module>/<name>    attachments, byte for byte
//   manifest.json            SHA-256 and size of every other file in the archive
#pragma once

#include "inventory.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::privacy {

inline constexpr std::string_view kExportSchema = "plinth.privacy.export/1";
inline constexpr int kExportSchemaVersion = 1;

struct ExportedFile {
    std::string name;         // as the module named it (what its items refer to)
    std::string media_type;
    std::string archive_path; // "files/<module>/<safe name>"
    uint64_t size = 0;
    std::string sha256;       // lower-case hex
};

struct ExportGroup {
    std::string category;
    std::optional<Category> declared; // from the register; empty when the module did not declare it
    std::vector<boost::json::object> items;
    std::vector<ExportedFile> files;
};

struct ModuleExport {
    std::string module;
    std::vector<ExportGroup> groups;

    // The group for `category`, created (with its declaration from `reg`) when missing.
    ExportGroup &group(std::string_view category, const Register &reg);
};

struct ExportDocument {
    int64_t request_id = 0;
    int64_t generated_at = 0; // Unix seconds
    int64_t user_id = 0;
    std::vector<std::string> emails;
    std::vector<ModuleExport> modules;

    size_t item_count() const;
    size_t file_count() const;
};

// Adds an empty group for every declared category of `module` that has none yet, in inventory
// order ahead of undeclared ones, so the archive also says what is *not* held.
void complete_groups(ModuleExport &module, const Register &reg);

boost::json::value export_json(const ExportDocument &doc);
std::string index_html(const ExportDocument &doc);

struct ManifestEntry {
    std::string path;
    uint64_t size = 0;
    std::string sha256;
};
std::string manifest_json(const std::vector<ManifestEntry> &entries, int64_t generated_at);

// "files/<module>/<name>": each '/'-separated segment of `name` reduced to [A-Za-z0-9._-] (no
// leading dot, at most 100 bytes keeping a short extension), "." and ".." segments dropped, a
// leading segment equal to the module's id dropped, at most 8 segments and 240 bytes in all (outer
// folders dropped first); made unique against `taken`, which it extends with the path and the
// folders that hold it (as "folder/"): no path is ever both a file and a folder of another path
// (a folder or file that would be gets a "-N" suffix). Never fails.
// Module-provided names never choose a path outside files/<module>/.
std::string archive_file_path(std::string_view module, std::string_view name, std::set<std::string> &taken);

} // namespace plinth::privacy
