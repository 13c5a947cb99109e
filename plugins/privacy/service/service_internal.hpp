// privacy/service/service_internal.hpp — helpers shared by the files that implement
// PrivacyService (service.cpp, consent_ledger.cpp, own_data.cpp, requests.cpp, request_runs.cpp).
// Not part of the module's interface.
#pragma once

#include "service.hpp"

#include "../archive/digest.hpp"
#include "../domain/calendar.hpp"
#include "../domain/text.hpp"

#include <plinth/sdk/encoding.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::privacy::internal {

namespace fs = std::filesystem;
using boost::json::array;
using boost::json::object;
using boost::json::value;

inline constexpr int64_t kSelfPosition = 1'000'000; // the privacy module's own step always runs last

inline constexpr std::string_view kConsentBasis =
    "legal obligation to demonstrate consent (Art. 7(1) GDPR) and defence of legal claims (Art. 17(3)(e))";
inline constexpr std::string_view kRequestBasis =
    "accountability for handling data-subject requests (Art. 5(2), Art. 12 GDPR; Art. 17(3)(b))";

// Thrown by the failure injection in "crash" mode: the run stops without recording a failure,
// exactly as if the process had died between two modules.
struct InjectedCrash : sdk::Error {
    using sdk::Error::Error;
};

inline std::string random_hex(size_t bytes) {
    std::vector<unsigned char> b(bytes);
    randombytes_buf(b.data(), b.size());
    std::string hex = sdk::encoding::to_hex(b);
    sodium_memzero(b.data(), b.size());
    return hex;
}

// Decodes the 64 hex characters of a token; nullopt when malformed.
inline std::optional<std::string> token_bytes(std::string_view token) {
    if (token.size() != kTokenBytes * 2) return std::nullopt;
    auto raw = sdk::encoding::from_hex(token);
    if (!raw) return std::nullopt;
    return std::string(raw->begin(), raw->end());
}

inline std::string digest_string(std::string_view bytes) {
    Sha256 d = sha256(bytes);
    return std::string(reinterpret_cast<const char *>(d.data()), d.size());
}

inline value subject_json(const sdk::Subject &s) {
    array emails;
    for (const auto &e : s.emails) emails.emplace_back(e);
    return {{"user_id", s.user_id}, {"emails", std::move(emails)}};
}

inline sdk::Subject subject_from_json(const std::string &text) {
    boost::system::error_code ec;
    value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "a request's frozen subject is damaged");
    sdk::Subject s;
    const auto &o = v.get_object();
    if (const auto *id = o.if_contains("user_id"); id && id->is_int64()) s.user_id = id->get_int64();
    if (const auto *emails = o.if_contains("emails"); emails && emails->is_array())
        for (const auto &e : emails->get_array())
            if (e.is_string()) s.emails.emplace_back(e.get_string());
    return s;
}

inline value optional_time(const std::optional<int64_t> &t) { return t ? value(format_utc(*t)) : value(nullptr); }

// Runs `work()` while holding a MariaDB named lock for one request's execution, on a connection of
// its own (the work uses others). The lock dies with the session, so a crashed run never blocks the
// next one, while two live runs of one request cannot overlap.
template <class Work>
auto with_request_lock(sdk::db::Database &pool, int64_t id, Work &&work) {
    const std::string name = std::to_string(id);
    return pool.run([&](sdk::db::Connection &lock) {
        // Lock names are server-wide: the database's name goes in (hashed, to stay under the
        // 64-character limit) so two Plinth databases on one server never block each other.
        sdk::db::Rows r =
            lock.query("SELECT GET_LOCK(CONCAT('plinth_privacy_', LEFT(SHA1(DATABASE()), 16), '_', ?), 0)", {name});
        if (r.empty() || r[0].is_null(0) || r[0].i64(0) != 1)
            throw sdk::conflict("request " + std::to_string(id) + " is being executed right now");
        struct Release {
            sdk::db::Connection &c;
            const std::string &name;
            ~Release() {
                try {
                    c.query("SELECT RELEASE_LOCK(CONCAT('plinth_privacy_', LEFT(SHA1(DATABASE()), 16), '_', ?))", {name});
                } catch (...) {
                    // Released with the session anyway.
                }
            }
        } release{lock, name};
        return work();
    });
}

// Refuses a customer naming another account before anything is looked up, so the answer does
// not reveal whether that account exists.
inline void precheck(const sdk::Caller &caller, const SubjectRef &who) {
    if (!caller.is_staff() && who.user_id && !(caller.is_user() && *who.user_id == caller.user_id))
        throw sdk::permission_denied("you can only act for your own account");
}

inline void require_self_or_staff(const sdk::Caller &caller, int64_t subject_user_id) {
    if (caller.is_staff()) return;
    if (caller.is_user() && subject_user_id > 0 && subject_user_id == caller.user_id) return;
    throw sdk::permission_denied("you can only act for your own account");
}


} // namespace plinth::privacy::internal
