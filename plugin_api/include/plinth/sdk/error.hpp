// plinth/sdk/error.hpp — the one way a C++ module reports failure, and the one translator that
// turns any exception into a status before it can cross the C ABI.
#pragma once

#include <plinth/base.h>
#include <plinth/sdk/display.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace plinth::sdk {

// An expected failure with a status the caller can act on. The message is shown to users and
// written to logs, so it must never contain secrets.
class Error : public std::runtime_error {
public:
    Error(plinth_status status, std::string message, int db_errno = 0)
        : std::runtime_error(std::move(message)), status_(status), db_errno_(db_errno) {}

    plinth_status status() const noexcept { return status_; }
    int db_errno() const noexcept { return db_errno_; }

private:
    plinth_status status_;
    int db_errno_;
};

inline Error invalid_argument(std::string m) { return {PLINTH_E_INVALID_ARGUMENT, std::move(m)}; }
inline Error not_found(std::string m) { return {PLINTH_E_NOT_FOUND, std::move(m)}; }
inline Error permission_denied(std::string m) { return {PLINTH_E_PERMISSION_DENIED, std::move(m)}; }
inline Error unauthenticated(std::string m) { return {PLINTH_E_UNAUTHENTICATED, std::move(m)}; }
inline Error conflict(std::string m) { return {PLINTH_E_CONFLICT, std::move(m)}; }
inline Error limit_exceeded(std::string m) { return {PLINTH_E_LIMIT_EXCEEDED, std::move(m)}; }
inline Error unsupported(std::string m) { return {PLINTH_E_UNSUPPORTED, std::move(m)}; }
inline Error unavailable(std::string m) { return {PLINTH_E_UNAVAILABLE, std::move(m)}; }
inline Error expired(std::string m) { return {PLINTH_E_EXPIRED, std::move(m)}; }

// Fills a caller-owned plinth_error, honouring its struct_size (rule 4): only fields that fit
// inside the caller's declared size are written.
inline int32_t fill_error(plinth_error *error, plinth_status status, const char *message,
                          int db_errno = 0) noexcept {
    if (error == nullptr || error->struct_size < offsetof(plinth_error, code) + sizeof(int32_t))
        return status;
    error->code = status;
    if (error->struct_size >= offsetof(plinth_error, db_errno) + sizeof(int32_t))
        error->db_errno = db_errno;
    if (error->struct_size > offsetof(plinth_error, message)) {
        size_t capacity = std::min<size_t>(error->struct_size - offsetof(plinth_error, message),
                                           PLINTH_ERROR_MESSAGE_CAPACITY);
        size_t n = std::min(std::strlen(message), capacity - 1);
        // Cut between characters: never leave half a UTF-8 sequence at the end.
        if (n < std::strlen(message))
            while (n > 0 && (static_cast<unsigned char>(message[n]) & 0xC0) == 0x80) --n;
        std::memcpy(error->message, message, n);
        error->message[n] = '\0';
    }
    return status;
}

// Runs `body` and converts whatever it throws into a status: the catch-all every exported
// function body goes through (rule 7). `body` returns nothing; success is PLINTH_OK.
template <class Body>
int32_t guard(plinth_error *error, Body &&body) noexcept {
    try {
        body();
        if (error != nullptr && error->struct_size >= offsetof(plinth_error, code) + sizeof(int32_t))
            error->code = PLINTH_OK;
        return PLINTH_OK;
    } catch (const Error &e) {
        return fill_error(error, e.status(), e.what(), e.db_errno());
    } catch (const std::bad_alloc &) {
        return fill_error(error, PLINTH_E_INTERNAL, "out of memory");
    } catch (const std::exception &e) {
        return fill_error(error, PLINTH_E_INTERNAL, e.what());
    } catch (...) {
        return fill_error(error, PLINTH_E_INTERNAL, "unknown exception");
    }
}

inline const char *status_name(int32_t status) noexcept;

// The message the other side wrote into `error`, made safe: read only inside the buffer (a
// callee may fill all of it without a NUL), invalid UTF-8 replaced, never empty.
inline std::string message_of(const plinth_error &error, int32_t status) {
    size_t capacity = error.struct_size > offsetof(plinth_error, message)
                          ? std::min<size_t>(error.struct_size - offsetof(plinth_error, message),
                                             PLINTH_ERROR_MESSAGE_CAPACITY)
                          : 0;
    std::string text = repair_utf8(std::string_view(error.message, bounded(error.message, capacity)),
                                  PLINTH_ERROR_MESSAGE_CAPACITY);
    if (text.empty()) text = std::string(status_name(status)) + " (no message given)";
    return text;
}

// Throws the Error a status/plinth_error pair describes (for calls into other modules).
inline void throw_if_failed(int32_t status, const plinth_error &error) {
    if (status != PLINTH_OK)
        throw Error(static_cast<plinth_status>(status), message_of(error, status), error.db_errno);
}

inline const char *status_name(int32_t status) noexcept {
    switch (status) {
    case PLINTH_OK: return "ok";
    case PLINTH_E_INVALID_ARGUMENT: return "invalid_argument";
    case PLINTH_E_NOT_FOUND: return "not_found";
    case PLINTH_E_PERMISSION_DENIED: return "permission_denied";
    case PLINTH_E_UNAUTHENTICATED: return "unauthenticated";
    case PLINTH_E_CONFLICT: return "conflict";
    case PLINTH_E_LIMIT_EXCEEDED: return "limit_exceeded";
    case PLINTH_E_THROTTLED: return "throttled";
    case PLINTH_E_UNSUPPORTED: return "unsupported";
    case PLINTH_E_DATABASE: return "database";
    case PLINTH_E_UNAVAILABLE: return "unavailable";
    case PLINTH_E_EXPIRED: return "expired";
    case PLINTH_E_SINK: return "sink";
    case PLINTH_E_RESOURCE_EXHAUSTED: return "resource_exhausted";
    case PLINTH_E_INTERNAL: return "internal";
    default: return "internal";
    }
}

} // namespace plinth::sdk
