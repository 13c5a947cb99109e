// tickets/domain/download.hpp — how an attachment is handed to a browser: always as a download.
//
// Customers attach what explains their problem, and that includes active content: a saved error
// page (HTML), a logo (SVG, which may carry script), a WordPress export (XML). Refusing those
// would refuse real support material, so they are accepted and made harmless where they are
// served instead:
//   - every attachment is served with "Content-Disposition: attachment" (never rendered inline),
//     "X-Content-Type-Options: nosniff" (the browser may not guess another type) and
//     "Content-Security-Policy: sandbox" (should a browser render it anyway, no script runs and
//     it gets an opaque origin);
//   - the Content-Type sent is the declared media type only when that type is on a short list of
//     passive types and neither the name nor the first bytes say otherwise; everything else,
//     active content included, is sent as application/octet-stream.
// Active content is recognised by declared type (text/html, any +xml type, ...), by any extension
// of the name (.html, .svg, .xml, ...), and by what a browser's sniffer would see at the start of
// the bytes (<html, <script, <svg, <?xml, ... after a byte-order mark and whitespace).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::tickets {

// Why the file is active content ("the media type text/html", "the extension .svg", "its content
// starts like HTML"), or nullopt when it is not. Checked in that order.
std::optional<std::string> active_content(std::string_view file_name, std::string_view media_type,
                                          std::span<const uint8_t> content);

// The Content-Disposition value for `file_name` (a name check_file_name accepted):
// attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>  (RFC 6266).
std::string attachment_disposition(std::string_view file_name);

// Every header to send with the bytes, in order: Content-Type, Content-Disposition,
// X-Content-Type-Options, Content-Security-Policy, Cache-Control.
std::vector<std::pair<std::string, std::string>> download_headers(std::string_view file_name,
                                                                  std::string_view media_type,
                                                                  std::span<const uint8_t> content);

} // namespace plinth::tickets
