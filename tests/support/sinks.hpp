// tests/support/sinks.hpp — the C sinks of plinth.personal-data/1, collecting what a module hands
// over, for every suite that drives a module's export or erasure through the ABI.
#pragma once

#include <plinth/ext/personal_data.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::test {

// Export items as (category, parsed JSON) and files by name, in the order they came. sink() is
// bound to this collector; `refuse` makes every item and file fail (PLINTH_E_SINK for the module).
struct ExportCollector {
    std::vector<std::pair<std::string, boost::json::value>> items;
    std::map<std::string, std::string> files; // file name -> bytes
    // Every item's JSON text and every file's bytes exactly as handed over, for "never contains"
    // checks that must not depend on how a parser re-escapes text.
    std::string raw;
    bool refuse = false;

    static int32_t item(void *context, plinth_str category, plinth_str json) {
        auto *self = static_cast<ExportCollector *>(context);
        if (self->refuse) return 1;
        self->items.emplace_back(std::string(sdk::to_view(category)), boost::json::parse(sdk::to_view(json)));
        self->raw += sdk::to_view(json);
        return 0;
    }
    static int32_t file(void *context, plinth_str, plinth_str name, plinth_str, const uint8_t *bytes, size_t size) {
        auto *self = static_cast<ExportCollector *>(context);
        if (self->refuse) return 1;
        const std::string content(reinterpret_cast<const char *>(bytes), size);
        self->files[std::string(sdk::to_view(name))] = content;
        self->raw += content;
        return 0;
    }
    plinth_export_sink sink() { return plinth_export_sink{sizeof(plinth_export_sink), this, &item, &file}; }

    size_t count(std::string_view category) const {
        size_t n = 0;
        for (const auto &[c, v] : items) n += c == category;
        return n;
    }
};

// Erasure outcomes, copied out of the borrowed plinth_erasure_item.
struct ErasureCollector {
    struct Item {
        std::string category, item, legal_basis;
        int32_t outcome = 0; // plinth_erasure_outcome
        int64_t until = 0;   // retained_until
    };
    std::vector<Item> items;
    bool refuse = false;

    static int32_t item(void *context, const plinth_erasure_item *i) {
        auto *self = static_cast<ErasureCollector *>(context);
        if (self->refuse) return 1;
        self->items.push_back({std::string(sdk::to_view(i->category)), std::string(sdk::to_view(i->item)),
                               std::string(sdk::to_view(i->legal_basis)), i->outcome, i->retained_until});
        return 0;
    }
    plinth_erasure_sink sink() { return plinth_erasure_sink{sizeof(plinth_erasure_sink), this, &item}; }
};

} // namespace plinth::test
