#include "attachment_policy.hpp"

#include "text.hpp"

#include <plinth/sdk/error.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace plinth::tickets {
namespace {

constexpr std::string_view kRefusedExtensions[] = {
    // Windows programs, libraries, installers and script hosts
    "exe", "dll", "com", "bat", "cmd", "msi", "msp", "msix", "appx", "msc", "scr", "pif", "cpl", "sys", "drv",
    "ocx", "vb", "vbs", "vbe", "vba", "js", "jse", "mjs", "cjs", "ws", "wsf", "wsc", "wsh", "ps1", "ps1xml",
    "ps2", "psm1", "psd1", "hta", "lnk", "reg", "inf", "gadget", "application", "appref-ms",
    // Unix shells and interpreters
    "sh", "bash", "zsh", "csh", "ksh", "tcsh", "fish", "command", "pl", "pm", "cgi", "py", "pyc", "pyo",
    "pyw", "rb", "php", "php3", "php4", "php5", "php7", "php8", "phps", "phtml", "pht", "phar",
    // Packages and binaries
    "jar", "class", "war", "ear", "apk", "appimage", "deb", "rpm", "dmg", "pkg", "mpkg", "app", "so",
    "dylib", "elf", "run", "ko"};

constexpr std::string_view kRefusedMediaTypes[] = {
    "application/x-executable", "application/x-elf", "application/x-sharedlib", "application/x-pie-executable",
    "application/x-mach-binary", "application/x-msdownload", "application/x-msdos-program",
    "application/x-dosexec", "application/vnd.microsoft.portable-executable", "application/x-ms-installer",
    "application/x-msi", "application/x-bat", "application/x-sh", "application/x-shellscript",
    "text/x-shellscript", "text/x-sh", "application/x-csh", "application/x-php", "application/x-httpd-php",
    "application/php", "text/x-php", "text/php", "application/x-perl", "text/x-perl", "application/x-python",
    "text/x-python", "application/x-ruby", "text/x-ruby", "application/javascript", "text/javascript",
    "application/x-javascript", "application/java-archive", "application/x-java-archive",
    "application/java-vm", "application/vnd.android.package-archive", "application/x-apple-diskimage"};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool token_char(char c) {
    // RFC 6838 restricted-name characters.
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$&-^_.+", c) != nullptr;
}

bool starts_with(std::span<const uint8_t> s, std::initializer_list<uint8_t> magic) {
    return s.size() >= magic.size() && std::equal(magic.begin(), magic.end(), s.begin());
}

} // namespace

void check_file_name(std::string_view name) {
    if (name.empty()) throw sdk::invalid_argument("file_name must not be empty");
    if (name.size() > 255) throw sdk::invalid_argument("file_name is longer than 255 bytes");
    check_line("file_name", name, 255);
    if (name == "." || name == "..") throw sdk::invalid_argument("file_name must name a file");
    if (name.find_first_of("/\\") != std::string_view::npos)
        throw sdk::invalid_argument("file_name must not contain '/' or '\\'");
    if (name.front() == ' ' || name.back() == ' ' || name.back() == '.')
        throw sdk::invalid_argument("file_name must not start or end with a space or end with a dot");
}

void check_media_type(std::string_view media_type) {
    auto bad = [] { return sdk::invalid_argument("media_type must look like 'type/subtype', e.g. 'text/plain'"); };
    if (media_type.empty() || media_type.size() > 127) throw bad();
    size_t end = media_type.find(';');
    std::string_view essence = media_type.substr(0, end);
    size_t slash = essence.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == essence.size()) throw bad();
    for (size_t i = 0; i < essence.size(); ++i)
        if (i != slash && !token_char(essence[i])) throw bad();
    if (end != std::string_view::npos) {
        for (char c : media_type.substr(end))
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) throw bad();
    }
}

std::optional<std::string> executable_signature(std::span<const uint8_t> content) {
    if (starts_with(content, {0x7F, 'E', 'L', 'F'})) return "an ELF executable";
    if (starts_with(content, {'M', 'Z'})) return "a Windows (PE/MS-DOS) executable";
    if (starts_with(content, {0xFE, 0xED, 0xFA, 0xCE}) || starts_with(content, {0xFE, 0xED, 0xFA, 0xCF}) ||
        starts_with(content, {0xCE, 0xFA, 0xED, 0xFE}) || starts_with(content, {0xCF, 0xFA, 0xED, 0xFE}))
        return "a Mach-O executable";
    if (starts_with(content, {0xCA, 0xFE, 0xBA, 0xBE})) return "a Mach-O universal binary or Java class file";

    std::span<const uint8_t> text = content;
    if (starts_with(text, {0xEF, 0xBB, 0xBF})) text = text.subspan(3);
    if (starts_with(text, {'#', '!'})) return "a script (it starts with #!)";
    size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    std::span<const uint8_t> rest = text.subspan(i);
    if (starts_with(rest, {'<', '?', '='})) return "a PHP script";
    if (rest.size() >= 5) {
        std::string head(reinterpret_cast<const char *>(rest.data()), 5);
        if (lower(head) == "<?php") return "a PHP script";
    }
    return std::nullopt;
}

std::optional<std::string> refused_extension(std::string_view name) {
    // Every dot-separated part after the first is an extension: "a.php.jpg" has php and jpg.
    size_t dot = name.find('.');
    while (dot != std::string_view::npos) {
        size_t next = name.find('.', dot + 1);
        std::string ext = lower(name.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1));
        // Trailing spaces are trimmed by some systems ("a.exe ."), so they do not hide an extension.
        while (!ext.empty() && ext.back() == ' ') ext.pop_back();
        if (std::find(std::begin(kRefusedExtensions), std::end(kRefusedExtensions), ext) != std::end(kRefusedExtensions))
            return ext;
        dot = next;
    }
    return std::nullopt;
}

bool refused_media_type(std::string_view media_type) {
    std::string essence = lower(media_type.substr(0, media_type.find(';')));
    while (!essence.empty() && essence.back() == ' ') essence.pop_back();
    return std::find(std::begin(kRefusedMediaTypes), std::end(kRefusedMediaTypes), essence) != std::end(kRefusedMediaTypes);
}

void check_attachment(std::string_view name, std::string_view media_type, std::span<const uint8_t> content,
                      const AttachmentLimits &limits) {
    check_file_name(name);
    check_media_type(media_type);
    if (auto ext = refused_extension(name))
        throw sdk::invalid_argument("files with the extension '." + *ext + "' are not accepted (programs and scripts)");
    if (refused_media_type(media_type))
        throw sdk::invalid_argument("the media type '" + std::string(media_type) +
                                    "' is a program or script and is not accepted");
    if (content.empty()) throw sdk::invalid_argument("the attachment is empty");
    if (content.size() > limits.max_bytes)
        throw sdk::limit_exceeded("the attachment is " + std::to_string(content.size()) + " bytes; the limit is " +
                                  std::to_string(limits.max_bytes));
    if (auto what = executable_signature(content))
        throw sdk::invalid_argument("the attachment is " + *what + "; programs and scripts are not accepted");
}

bool database_on_this_machine(std::string_view client_host, std::string_view server_hostname,
                              std::string_view this_hostname) {
    bool loopback = client_host == "localhost" || client_host == "127.0.0.1" || client_host == "::1";
    return loopback && !server_hostname.empty() && server_hostname == this_hostname;
}

void check_disk_room(uint64_t free_bytes, size_t upload_bytes, const AttachmentLimits &limits) {
    if (limits.min_free_disk_bytes == 0) return;
    if (free_bytes >= upload_bytes && free_bytes - upload_bytes >= limits.min_free_disk_bytes) return;
    throw sdk::Error(PLINTH_E_RESOURCE_EXHAUSTED, "the server is running out of disk space, so attachments are "
                                                  "refused for now; please try again later");
}

} // namespace plinth::tickets
