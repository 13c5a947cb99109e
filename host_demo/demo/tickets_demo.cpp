// `plinth-host demo`, tickets step: a customer opens a ticket with their environment, a log file
// and temporary site credentials; staff see the environment with private values redacted, reveal
// the credentials (logged), and closing the ticket purges them.
#include "demo.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <string>

namespace plinth::demo {

namespace {

// Standard base64 with padding, as attachment.add expects (the demo stays free of libsodium).
std::string base64(std::string_view bytes) {
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(table[(n >> shift) & 63]);
    }
    if (i + 1 == bytes.size()) {
        uint32_t n = uint8_t(bytes[i]) << 16;
        out += {table[(n >> 18) & 63], table[(n >> 12) & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out += {table[(n >> 18) & 63], table[(n >> 12) & 63], table[(n >> 6) & 63], '='};
    }
    return out;
}

int64_t id_of(const boost::json::value &result) {
    const auto *o = result.if_object();
    const auto *id = o ? o->if_contains("id") : nullptr;
    return id && id->is_int64() ? id->get_int64() : 0;
}

} // namespace

void tickets_demo(DemoContext &demo) {
    const int64_t user_id = demo.user_id > 0 ? demo.user_id : 1;
    const int64_t staff_id = demo.staff_id > 0 ? demo.staff_id : 2;
    const plinth_call_context customer = host::user_caller(user_id, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context staff = host::user_caller(staff_id, PLINTH_ROLE_STAFF);

    demo.step("Tickets: a customer asks for help");
    if (demo.user_id == 0) demo.say("(accounts is not loaded: the customer is user 1 and staff is user 2.)");
    demo.say("The ticket carries the customer's environment. Paths, database names and keys are private:");
    boost::json::object environment = {
        {"cms", {{"name", "WordPress"}, {"version", "6.5.2"}}},
        {"language", {{"name", "PHP"}, {"version", "8.2.10"}}},
        {"plugins", boost::json::array{{{"name", "Forms Pro"}, {"version", "3.1.0"}}, {{"name", "Shop Cache"}}}},
        {"server",
         {{"software", "nginx/1.24"}, {"database", "MariaDB 10.11"}, {"document_root", "/var/www/shop"},
          {"database_name", "wp_shop"}}},
        {"extras", {{"memory_limit", "256M"}, {"AUTH_KEY", "k#9v...e2"}}}};
    int64_t ticket = id_of(demo.call("tickets", "ticket.create",
                                     {{"subject", "Checkout page is blank after the update"},
                                      {"description", "Since updating Forms Pro to 3.1.0 the checkout page is empty."},
                                      {"product", "forms-pro"},
                                      {"priority", "high"},
                                      {"environment", environment}},
                                     customer));
    if (ticket == 0) return;

    demo.say("Staff open the same ticket: the private values are redacted for everyone but the owner.");
    demo.call("tickets", "ticket.get", {{"ticket_id", ticket}}, staff);

    demo.step("Tickets: attachments");
    demo.say("A log file, base64-encoded in the command, stored in MariaDB with its SHA-256:");
    std::string log = "[error] PHP Fatal error: Uncaught TypeError in forms-pro/checkout.php:212\n";
    int64_t attachment = id_of(demo.call("tickets", "attachment.add",
                                         {{"ticket_id", ticket}, {"file_name", "debug.log"},
                                          {"media_type", "text/plain"}, {"content_base64", base64(log)}},
                                         customer));
    demo.say("The same bytes again are stored once and reference-counted:");
    demo.call("tickets", "attachment.add",
              {{"ticket_id", ticket}, {"file_name", "debug-copy.log"}, {"media_type", "text/plain"},
               {"content_base64", base64(log)}},
              customer);
    demo.say("Programs and scripts are refused, by name or by content:");
    demo.call("tickets", "attachment.add",
              {{"ticket_id", ticket}, {"file_name", "fix.php.txt"}, {"media_type", "text/plain"},
               {"content_base64", base64("<?php phpinfo();")}},
              customer);
    demo.call("tickets", "attachment.add",
              {{"ticket_id", ticket}, {"file_name", "screenshot.png"}, {"media_type", "image/png"},
               {"content_base64", base64("#!/bin/sh\necho gotcha\n")}},
              customer);
    demo.say("Files are read only through the module, which checks who is asking. Another customer:");
    demo.call("tickets", "attachment.get", {{"attachment_id", attachment}},
              host::user_caller(user_id + 1000, PLINTH_ROLE_CUSTOMER));

    demo.step("Tickets: temporary credentials");
    demo.say("The customer shares a site login. It is encrypted (XChaCha20-Poly1305, ticket and credential ids "
             "as associated data) and expires after 7 days:");
    int64_t credential = id_of(demo.call("tickets", "credential.add",
                                         {{"ticket_id", ticket},
                                          {"site_url", "https://shop.example.com/wp-admin"},
                                          {"username", "support-temp"},
                                          {"password", "Demo-only-p4ssword!"},
                                          {"note", "Please delete this user when done."}},
                                         customer));
    demo.say("Only staff can reveal it; the customer cannot:");
    demo.call("tickets", "credential.reveal", {{"credential_id", credential}}, customer);
    demo.say("A staff member reveals it; the reveal is logged (who, when) in an append-only table:");
    demo.call("tickets", "credential.reveal", {{"credential_id", credential}}, staff);
    demo.say("The customer can see who looked at their credentials:");
    demo.call("tickets", "credential.log", {{"ticket_id", ticket}}, customer);

    demo.step("Tickets: closing purges the credentials");
    demo.call("tickets", "ticket.reply", {{"ticket_id", ticket}, {"body", "Fixed in Forms Pro 3.1.1, please update."}},
              staff);
    demo.call("tickets", "ticket.set_status", {{"ticket_id", ticket}, {"status", "closed"}}, customer);
    demo.say("The ciphertext is gone; only the record that a credential existed remains:");
    demo.call("tickets", "credential.reveal", {{"credential_id", credential}}, staff);
    try {
        boost::json::value after =
            demo.host.call("tickets", "ticket.get", boost::json::serialize(boost::json::object{{"ticket_id", ticket}}),
                           customer);
        demo.out << "credentials of ticket " << ticket << ": " << pretty(after.at("credentials")) << "\n";
    } catch (const sdk::Error &e) {
        demo.out << "  " << sdk::status_name(e.status()) << ": " << e.what() << "\n";
    }
}

} // namespace plinth::demo
