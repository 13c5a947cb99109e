// tickets/domain/attachment_policy.hpp — which files a ticket accepts.
//
// Attachments are served back only through the module, never by a web server, but the people who
// download them are support staff on their own machines; so programs and scripts are refused
// outright, whatever they claim to be:
//   - by content: ELF, PE/MS-DOS ("MZ"), Mach-O (thin and universal; the universal magic is also
//     a Java class file), a shebang "#!", or PHP ("<?php", "<?="), each at the start of the file
//     (after an optional UTF-8 byte-order mark and, for PHP, leading whitespace);
//   - by name: any extension of the name in kRefusedExtensions, not only the last one, so
//     "shell.php.jpg" is refused as well as "setup.exe";
//   - by declared media type: executable and script types (application/x-msdownload,
//     text/x-shellscript, application/x-httpd-php, ...).
// Rationale: content signatures are checked only at the start because a support ticket's log
// files and code snippets legitimately contain "<?php" or "#!" somewhere in their text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace plinth::tickets {

struct AttachmentLimits {
    size_t max_bytes = 10u << 20; // one file
    size_t max_per_ticket = 20;   // files on one ticket
    // Uploads stop while the database's data folder (when local) would keep less than this free:
    // MariaDB aborts when its disk fills. 0 turns the check off.
    uint64_t min_free_disk_bytes = uint64_t{1} << 30;
};

// 1..255 bytes, valid UTF-8, no path separators, control characters, or leading/trailing
// spaces, not "." or "..". Throws PLINTH_E_INVALID_ARGUMENT.
void check_file_name(std::string_view name);
// "type/subtype" with optional "; parameter=value" parts, at most 127 bytes.
void check_media_type(std::string_view media_type);

// What the content is, when it is a program or script ("an ELF executable"); nullopt otherwise.
std::optional<std::string> executable_signature(std::span<const uint8_t> content);
// The first refused extension of `name` ("php" for "a.php.jpg"), lower-cased; nullopt otherwise.
std::optional<std::string> refused_extension(std::string_view name);
// True when the media type (parameters ignored, case-insensitive) names a program or script.
bool refused_media_type(std::string_view media_type);

// Everything above plus the size limit, in the order a user would want to hear about it.
// Throws PLINTH_E_INVALID_ARGUMENT for names, types and programs; PLINTH_E_LIMIT_EXCEEDED for
// size. Empty files are refused too (nothing to attach).
void check_attachment(std::string_view name, std::string_view media_type, std::span<const uint8_t> content,
                      const AttachmentLimits &limits);

// True when the database server runs on this machine, so that its data folder can be measured
// here: it sees the connection as coming from localhost (unix socket or loopback) and its
// @@hostname is this machine's name. Rationale: an SSH tunnel or a database container also
// arrives from "localhost", but its data folder path may exist here too and name another disk.
bool database_on_this_machine(std::string_view client_host, std::string_view server_hostname,
                              std::string_view this_hostname);

// Refuses an upload of `upload_bytes` with PLINTH_E_RESOURCE_EXHAUSTED when `free_bytes` (the
// data folder's free space) minus the upload would fall below limits.min_free_disk_bytes. The
// message speaks to the customer: it names no path and no figures (those go to the log).
void check_disk_room(uint64_t free_bytes, size_t upload_bytes, const AttachmentLimits &limits);

} // namespace plinth::tickets
