// The EDD Software Licensing-compatible endpoint (POST / and GET /, docs/updates.md) through the
// real HTTP server: the form decoding in the host and the releases module's "edd" command behind
// it, against the fuzzers' sandbox database (fuzz/http_harness.hpp).
//
// Input: one byte choosing how the fields travel (even: an application/x-www-form-urlencoded
// POST body, as EDD's updater sends them; odd: the query of a GET), then the form text.
// Properties: those of every HTTP answer, and EDD's own: always 200 (EDD's updater stops asking
// a store for an hour after any other status) with one JSON object as the body. The one exception
// is a GET whose query holds a byte no request target may hold raw (outside 0x21-0x7E, RFC 9112
// §3.2 and RFC 3986: clients percent-encode them, as EDD's updater does): that is not a request
// an EDD client sends, and the server may refuse it as malformed HTTP with 400 bad_request before
// any route runs (Beast refuses control bytes and DEL; bytes 0x80-0xFF reach the route).
#include "http_harness.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

std::unique_ptr<plinth::fuzz::HttpHarness> harness;

void stop_server() { harness.reset(); }

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    harness = std::make_unique<plinth::fuzz::HttpHarness>("fuzz_edd");
    std::atexit(stop_server); // drains the server before static destructors run
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    std::string_view form(reinterpret_cast<const char *>(data + 1), size - 1);
    std::string request;
    bool raw_target = false; // a GET query with bytes a client would have percent-encoded
    if (data[0] % 2 == 0) {
        request = "POST / HTTP/1.1\r\nHost: store.example\r\nUser-Agent: WordPress/6.1\r\n"
                  "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                  std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + std::string(form);
    } else {
        // A space or a line break would end the request line and make this another request
        // (the http fuzzer covers arbitrary bytes there).
        if (form.find_first_of(" \r\n") != std::string_view::npos) return 0;
        for (unsigned char c : form) raw_target |= c < 0x21 || c > 0x7E;
        request = "GET /?" + std::string(form) + " HTTP/1.1\r\nHost: store.example\r\nConnection: close\r\n\r\n";
    }
    auto answer = harness->exchange(request);
    if (!answer) return 0;
    plinth::fuzz::HttpHarness::check_answer(request, *answer, false);
    // EDD's contract: 200 and a JSON object, whatever the form held; a target no client sends
    // may instead be refused as malformed HTTP, and only that way.
    size_t body = answer->find("\r\n\r\n");
    if (raw_target && answer->rfind("HTTP/1.1 400 ", 0) == 0) {
        FUZZ_CHECK(body != std::string::npos &&
                       answer->find("\"code\":\"bad_request\"", body) != std::string::npos,
                   request + "\n---\n" + *answer);
        return 0;
    }
    FUZZ_CHECK(answer->rfind("HTTP/1.1 200 ", 0) == 0 && body != std::string::npos, request + "\n---\n" + *answer);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(std::string_view(*answer).substr(body + 4), ec);
    FUZZ_CHECK(!ec && v.is_object(), request + "\n---\n" + *answer);
    return 0;
}
