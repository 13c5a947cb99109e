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

#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

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

// How long a request run's claim holds without renewal, and how often a live run renews it. A host
// that died mid-run blocks the request this long at most; the next execute then resumes the run.
inline constexpr int64_t kRequestClaimSeconds = 60;
inline constexpr std::chrono::seconds kRequestClaimRenewal{20};

// Runs `work()` while this process holds the claim on one request's execution: a random token
// written into the request row by a conditional UPDATE. On one server only one such UPDATE
// matches; on a Galera cluster only one node's write survives certification (the loser's is
// retried by the host and then matches nothing). A GET_LOCK would lock one node only. The claim is
// renewed while the work runs and released when it ends, however it ends. An unknown request is
// not claimed: the work reports it.
template <class Work>
auto with_request_claim(sdk::db::Database &pool, int64_t id, Work &&work) {
    std::array<unsigned char, 16> token{};
    randombytes_buf(token.data(), token.size());
    const auto token_param = [&] { return sdk::db::Param::bytes(token.data(), token.size()); };
    const auto renew = [&](sdk::db::Connection &c) {
        return c.execute("UPDATE privacy_requests SET run_claimed_until = UNIX_TIMESTAMP() + ? "
                         "WHERE id = ? AND run_claim = ?",
                         {kRequestClaimSeconds, id, token_param()}) == 1;
    };
    const int claim = pool.transaction([&](sdk::db::Connection &c) {
        if (c.execute("UPDATE privacy_requests SET run_claim = ?, run_claimed_until = UNIX_TIMESTAMP() + ? "
                      "WHERE id = ? AND (run_claim IS NULL OR run_claimed_until < UNIX_TIMESTAMP())",
                      {token_param(), kRequestClaimSeconds, id}) == 1)
            return 1;
        return c.query("SELECT 1 FROM privacy_requests WHERE id = ?", {id}).empty() ? -1 : 0;
    });
    if (claim < 0) return work();
    if (claim == 0) throw sdk::conflict("request " + std::to_string(id) + " is being executed right now");

    struct Renewer {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::thread thread;
        ~Renewer() {
            {
                std::lock_guard lock(m);
                done = true;
            }
            cv.notify_all();
            if (thread.joinable()) thread.join();
        }
    };
    struct Release {
        sdk::db::Database &pool;
        int64_t id;
        const std::array<unsigned char, 16> &token;
        ~Release() {
            try {
                pool.run([&](sdk::db::Connection &c) {
                    c.execute("UPDATE privacy_requests SET run_claim = NULL, run_claimed_until = NULL "
                              "WHERE id = ? AND run_claim = ?",
                              {id, sdk::db::Param::bytes(token.data(), token.size())});
                });
            } catch (...) {
                // The claim lapses after kRequestClaimSeconds.
            }
        }
    } release{pool, id, token};
    Renewer renewer; // destroyed (stopped) before the claim is released
    renewer.thread = std::thread([&] {
        std::unique_lock lock(renewer.m);
        while (!renewer.cv.wait_for(lock, kRequestClaimRenewal, [&] { return renewer.done; })) {
            lock.unlock();
            try {
                pool.run(renew);
            } catch (...) {
                // Tried again at the next renewal; the claim holds kRequestClaimSeconds meanwhile.
            }
            lock.lock();
        }
    });
    return work();
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
