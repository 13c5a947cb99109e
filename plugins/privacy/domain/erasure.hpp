// privacy/domain/erasure.hpp — per-item erasure outcomes and the summary people see.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::privacy {

enum class Outcome { removed, anonymised, retained };

std::string_view outcome_name(Outcome outcome);
Outcome parse_outcome(std::string_view name); // throws invalid_argument
// Maps plinth_erasure_outcome; anything unknown is an error of the reporting module.
Outcome outcome_from_abi(int32_t value);

struct ErasureRecord {
    std::string module;
    std::string category;
    std::string item;           // non-identifying reference, e.g. "ticket 42"
    Outcome outcome = Outcome::removed;
    std::string legal_basis;    // set when retained
    int64_t retained_until = 0; // Unix seconds when retained
};

// Throws sdk::Error (internal) naming the module when a report breaks the contract: empty
// category or item, or "retained" without a legal basis or until-date. A retained item without a
// reason is exactly what erasure must never produce silently.
void check_record(const ErasureRecord &record);

struct ErasureSummary {
    int64_t removed = 0;
    int64_t anonymised = 0;
    int64_t retained = 0;
    void add(Outcome outcome);
};

ErasureSummary summarise(const std::vector<ErasureRecord> &records);

// {"module","category","item","outcome","legal_basis","retained_until","retained_until_at"}:
// retained_until as ISO 8601 UTC and retained_until_at as Unix seconds, both null unless
// retained; legal_basis "" unless retained.
boost::json::value to_json(const ErasureRecord &record);
boost::json::value to_json(const ErasureSummary &summary);

} // namespace plinth::privacy
