#include "erasure.hpp"

#include "calendar.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

namespace plinth::privacy {

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::removed: return "removed";
    case Outcome::anonymised: return "anonymised";
    case Outcome::retained: return "retained";
    }
    return "removed";
}

Outcome parse_outcome(std::string_view name) {
    for (Outcome o : {Outcome::removed, Outcome::anonymised, Outcome::retained})
        if (outcome_name(o) == name) return o;
    throw sdk::invalid_argument("unknown erasure outcome '" + std::string(name) + "'");
}

Outcome outcome_from_abi(int32_t value) {
    switch (value) {
    case 0: return Outcome::removed;
    case 1: return Outcome::anonymised;
    case 2: return Outcome::retained;
    default: throw sdk::Error(PLINTH_E_INTERNAL, "unknown erasure outcome " + std::to_string(value));
    }
}

void check_record(const ErasureRecord &r) {
    auto fail = [&](const std::string &why) {
        throw sdk::Error(PLINTH_E_INTERNAL, "module '" + r.module + "' reported an erasure outcome " + why);
    };
    if (r.category.empty()) fail("without a category");
    if (r.item.empty()) fail("without an item reference");
    if (r.item.size() > 512) fail("with an item reference longer than 512 bytes");
    if (r.outcome == Outcome::retained) {
        if (r.legal_basis.empty()) fail("'retained' without a legal basis (" + r.category + ")");
        if (r.retained_until <= 0) fail("'retained' without an until-date (" + r.category + ")");
    }
}

void ErasureSummary::add(Outcome outcome) {
    switch (outcome) {
    case Outcome::removed: ++removed; break;
    case Outcome::anonymised: ++anonymised; break;
    case Outcome::retained: ++retained; break;
    }
}

ErasureSummary summarise(const std::vector<ErasureRecord> &records) {
    ErasureSummary s;
    for (const auto &r : records) s.add(r.outcome);
    return s;
}

boost::json::value to_json(const ErasureRecord &r) {
    const bool kept = r.outcome == Outcome::retained;
    return {{"module", r.module},
            {"category", r.category},
            {"item", r.item},
            {"outcome", outcome_name(r.outcome)},
            {"legal_basis", kept ? r.legal_basis : std::string()},
            // People read the date; scripts may use the Unix seconds beside it.
            {"retained_until", kept ? boost::json::value(format_utc(r.retained_until)) : boost::json::value(nullptr)},
            {"retained_until_at", kept ? boost::json::value(r.retained_until) : boost::json::value(nullptr)}};
}

boost::json::value to_json(const ErasureSummary &s) {
    return {{"removed", s.removed}, {"anonymised", s.anonymised}, {"retained", s.retained}};
}

} // namespace plinth::privacy
