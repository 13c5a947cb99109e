// privacy/service/archive_builder.hpp — turns an ExportDocument and its staged files into the zip.
#pragma once

#include "../domain/export_document.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace plinth::privacy {

struct BuiltArchive {
    std::filesystem::path path;
    std::vector<std::string> entries; // every file in the archive, manifest.json last
    uint64_t size = 0;
    std::string sha256; // of the archive itself
};

// Writes export.json, index.html, every file of `sources` (archive path -> staged file) and
// manifest.json to a new archive at `path` (mode 0600). A staged file whose bytes no longer
// match the SHA-256 taken when it was staged is refused: the manifest must never vouch for
// bytes the module did not export.
BuiltArchive write_export_archive(const ExportDocument &doc, const std::map<std::string, std::filesystem::path> &sources,
                                  const std::filesystem::path &path);

} // namespace plinth::privacy
