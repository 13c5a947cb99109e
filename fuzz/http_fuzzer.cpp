// plinth-host's HTTP face end to end: request parsing (Boost.Beast under the server's header and
// body limits), the router, the caller resolver and every route's handler, over a real server
// and the fuzzers' sandbox database (fuzz/http_harness.hpp states the properties).
//
// Input: the bytes a client sends on one connection (one request, or several pipelined).
#include "http_harness.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace {

std::unique_ptr<plinth::fuzz::HttpHarness> harness;

void stop_server() { harness.reset(); }

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    harness = std::make_unique<plinth::fuzz::HttpHarness>("fuzz_http");
    std::atexit(stop_server); // drains the server before static destructors run
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view request(reinterpret_cast<const char *>(data), size);
    auto answer = harness->exchange(request);
    if (!answer) return 0;
    plinth::fuzz::HttpHarness::check_answer(request, *answer, request.substr(0, 5) == "HEAD ");
    return 0;
}
