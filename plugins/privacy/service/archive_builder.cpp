#include "archive_builder.hpp"

#include "../archive/digest.hpp"
#include "../archive/zip_writer.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

namespace plinth::privacy {

BuiltArchive write_export_archive(const ExportDocument &doc, const std::map<std::string, std::filesystem::path> &sources,
                                  const std::filesystem::path &path) {
    BuiltArchive built;
    built.path = path;
    std::vector<ManifestEntry> manifest;

    std::string json = boost::json::serialize(export_json(doc));
    std::string html = index_html(doc);
    manifest.push_back({"export.json", json.size(), sha256_hex(json)});
    manifest.push_back({"index.html", html.size(), sha256_hex(html)});

    std::map<std::string, const ExportedFile *> declared;
    for (const auto &m : doc.modules)
        for (const auto &g : m.groups)
            for (const auto &f : g.files) declared[f.archive_path] = &f;

    ZipWriter zip(path);
    zip.add_bytes("export.json", std::move(json));
    zip.add_bytes("index.html", std::move(html));
    built.entries = {"export.json", "index.html"};
    for (const auto &[archive_path, source] : sources) {
        auto it = declared.find(archive_path);
        if (it == declared.end()) throw sdk::Error(PLINTH_E_INTERNAL, "staged file " + archive_path + " is not listed");
        uint64_t size = 0;
        std::string digest = sha256_file_hex(source, &size);
        if (digest != it->second->sha256 || size != it->second->size)
            throw sdk::Error(PLINTH_E_INTERNAL, "staged file " + archive_path + " changed after it was exported");
        zip.add_file(archive_path, source);
        manifest.push_back({archive_path, size, digest});
        built.entries.push_back(archive_path);
    }
    zip.add_bytes("manifest.json", manifest_json(manifest, doc.generated_at));
    built.entries.push_back("manifest.json");
    zip.finish();
    built.sha256 = sha256_file_hex(path, &built.size);
    return built;
}

} // namespace plinth::privacy
