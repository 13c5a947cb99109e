// privacy/domain/inventory.hpp — the register of processing (Art. 30), built from what every
// loaded module declares through plinth.data-inventory/1, and its three renderings.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace plinth::privacy {

struct Category {
    std::string name;        // unique within its module
    std::string fields;
    std::string purpose;
    std::string legal_basis;
    std::string retention;   // in words
    int64_t retention_days = 0;
    std::string recipients;  // empty: nobody outside the controller
};

// One loaded module as the registry shows it.
struct ModuleRecord {
    std::string module;
    std::vector<std::string> interfaces; // well-known interface ids it offers
    bool data_inventory = false;         // plinth.data-inventory/1
    bool personal_data = false;          // plinth.personal-data/1 (export and erasure)
    bool retention = false;              // plinth.retention/1
    std::vector<Category> categories;
};

struct Register {
    int64_t generated_at = 0;           // Unix seconds
    std::vector<ModuleRecord> modules;  // in the host's initialisation order

    // The category `name` of `module`, or nullptr when undeclared.
    const Category *find(std::string_view module, std::string_view name) const;
    // Plain-words findings a data-protection officer should look at, e.g. a module that declares
    // personal data but cannot export or erase it.
    std::vector<std::string> warnings() const;
};

enum class InventoryFormat { markdown, html, json };
// "md" / "markdown", "html", "json"; throws invalid_argument otherwise.
InventoryFormat parse_format(std::string_view name);
std::string_view format_name(InventoryFormat format);

std::string render_markdown(const Register &r);
std::string render_html(const Register &r);
boost::json::value render_json(const Register &r);
std::string render(const Register &r, InventoryFormat format);

} // namespace plinth::privacy
