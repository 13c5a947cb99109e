// tickets/domain/inventory.hpp — the categories of personal data the module keeps.
//
// These names are what the privacy module's register of processing shows and what export items,
// erasure outcomes and retention counts are filed under.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace plinth::tickets {

inline constexpr const char *kCategoryDescription = "ticket description";
inline constexpr const char *kCategoryEnvironment = "ticket environment";
inline constexpr const char *kCategoryAttachments = "ticket attachments";
inline constexpr const char *kCategoryCredentials = "ticket credentials";
inline constexpr const char *kCategoryRevealLog = "credential reveal log";

struct Category {
    std::string name, fields, purpose, legal_basis, retention;
    int64_t retention_days = 0;
    std::string recipients;
};

struct Settings;
// The categories as the current configuration makes them (retention periods come from it).
std::vector<Category> data_categories(const Settings &settings);

} // namespace plinth::tickets
