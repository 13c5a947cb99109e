#include "access_log.hpp"

#include "json_text.hpp"

#include <plinth/sdk/error.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace plinth::http {

AccessLog::AccessLog(const std::string &destination) {
    if (destination == "off") return;
    if (destination == "-" || destination.empty()) {
        file_ = stdout;
        return;
    }
    file_ = std::fopen(destination.c_str(), "a");
    // The system's reason (no such folder, permission denied, a directory) is what the operator
    // needs to fix it.
    if (file_ == nullptr)
        throw sdk::invalid_argument("cannot open access log " + destination + ": " + std::strerror(errno));
    owned_ = true;
}

AccessLog::~AccessLog() {
    if (file_ != nullptr) std::fflush(file_);
    if (owned_) std::fclose(file_);
}

void AccessLog::write(const AccessRecord &r) {
    if (file_ == nullptr) return;
    auto now = std::chrono::system_clock::now();
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char time_text[96]; // room for any int in each field, as the compiler checks
    std::snprintf(time_text, sizeof time_text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));

    std::string line;
    line.reserve(256);
    line += "{\"time\":\"";
    line += time_text;
    line += "\",\"request_id\":";
    append_json_string(line, r.request_id);
    line += ",\"client\":";
    append_json_string(line, r.client);
    line += ",\"method\":";
    append_json_string(line, r.method);
    line += ",\"route\":";
    append_json_string(line, r.route);
    line += ",\"path\":";
    append_json_string(line, r.path.substr(0, 256));
    line += ",\"status\":" + std::to_string(r.status);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", std::chrono::duration<double, std::milli>(r.duration).count());
    line += ",\"duration_ms\":";
    line += duration;
    line += ",\"bytes_in\":" + std::to_string(r.bytes_in) + ",\"bytes_out\":" + std::to_string(r.bytes_out) + "}\n";
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

void AccessLog::flush() {
    std::lock_guard lock(mutex_);
    if (file_ != nullptr) std::fflush(file_);
}

} // namespace plinth::http
