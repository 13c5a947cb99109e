// licenses_bench — the license-check hot path against its baselines, all measured in one run on
// one server so that only ratios are compared (see bench/licenses/ratios.json, bench/report.py).
//
//   licenses_bench [--sizes=100000,1000000] [--sandbox=DIR] [--state=DIR] [--reuse] [benchmark flags...]
//
// --reuse keeps the databases an earlier run seeded (their keys are read back by decrypting
// them), which saves minutes when only the measuring is repeated.
//
// It starts (or reuses) a private MariaDB sandbox through tools/sandbox.sh, creates a fresh
// database per size, loads the real licenses module through the real host, seeds N licenses
// with one activated site each (bulk multi-row INSERTs; progress on stderr), warms the cache,
// then runs, per size:
//   licenses/check_cached      typed plinth.license-check/1, cache on (1 and 2 threads)
//   licenses/check_uncached    typed check, cache disabled (a second host on the same database)
//   licenses/check_json        the JSON command "check" through plinth.command/1
//   licenses/check_network_subsite  typed check of a covered subsite (blog.net-N…) with its network
//                              URL, over N more licenses of scope network (one network each)
//   baseline/point_select      raw Connector/C prepared point-select of the same license row
//   baseline/unordered_map     std::unordered_map<std::string, ...>::find over N keys
//   licenses/activate          activation.activate throughput (a new site per call)
// Every check picks a random seeded license and its own site, so the cache is exercised over all
// N entries, as the hash-map baseline is over all N keys.
#include "domain/key.hpp"

#include <plinth/ext/command.h>
#include <plinth/ext/license_check.h>
#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>
#include <plinth/storage/database.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>
#include <mysql.h>
#include <sodium.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using namespace plinth;
namespace fs = std::filesystem;

struct Options {
    std::vector<size_t> sizes = {100000, 1000000};
    bool reuse = false; // keep a database seeded by an earlier run (same sizes, same state folder)
    fs::path sandbox = PLINTH_BENCH_DEFAULT_DIR "/bench-db";
    fs::path state = PLINTH_BENCH_DEFAULT_DIR "/bench-state";
};

// ---- progress ----

class Progress {
public:
    Progress(std::string what, size_t total) : what_(std::move(what)), total_(total), start_(clock::now()) { draw(0); }
    void update(size_t done) {
        auto now = clock::now();
        if (done < total_ && now - last_ < std::chrono::milliseconds(200)) return;
        last_ = now;
        draw(done);
    }
    void finish() {
        draw(total_);
        std::cerr << "\n";
    }

private:
    using clock = std::chrono::steady_clock;
    void draw(size_t done) {
        constexpr int width = 40;
        int filled = total_ ? static_cast<int>(width * done / total_) : width;
        double s = std::chrono::duration<double>(clock::now() - start_).count();
        std::fprintf(stderr, "\r%-28s [%s%s] %3zu%% %zu/%zu %.1f s", what_.c_str(), std::string(filled, '#').c_str(),
                     std::string(width - filled, '.').c_str(), total_ ? 100 * done / total_ : 100, done, total_, s);
        std::fflush(stderr);
    }
    std::string what_;
    size_t total_;
    clock::time_point start_, last_{};
};

// ---- one seeded database with its hosts ----

std::vector<uint8_t> read_file(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Dataset {
    size_t size = 0;
    std::string database;
    std::unique_ptr<host::Host> cached;
    std::unique_ptr<host::Host> uncached;
    std::vector<std::string> keys;   // formatted, as customers type them
    std::vector<std::string> sites;  // the activated site of each key, as its plugin sends it
    std::vector<std::array<uint8_t, 16>> hashes; // lookup hash of each key (for the raw baseline)
    std::vector<std::string> activation_keys;    // unlimited licenses for the activation benchmark
    // N network licenses: each key, a subsite of its network as the plugin sends it, the network.
    std::vector<std::string> net_keys, net_sites, net_networks;

    // The same keys and sites packed at a fixed stride, as a request buffer would hold them: the
    // measured loops then pay one memory access per string, not a std::string and its heap
    // block, and every benchmark (baselines included) reads them the same way.
    static constexpr size_t kKeyStride = 48, kSiteStride = 64;
    std::vector<char> key_bytes, site_bytes;
    std::vector<uint8_t> key_size, site_size;
    std::string_view key(size_t i) const { return {key_bytes.data() + i * kKeyStride, key_size[i]}; }
    std::string_view site(size_t i) const { return {site_bytes.data() + i * kSiteStride, site_size[i]}; }

    // The network licenses' strings, packed the same way.
    struct Packed {
        size_t stride = 64;
        std::vector<char> bytes;
        std::vector<uint8_t> sizes;
        void pack(const std::vector<std::string> &from) {
            bytes.assign(from.size() * stride, '\0');
            sizes.resize(from.size());
            for (size_t i = 0; i < from.size(); ++i) {
                if (from[i].size() >= stride) throw std::runtime_error("stride too small");
                std::memcpy(bytes.data() + i * stride, from[i].data(), from[i].size());
                sizes[i] = static_cast<uint8_t>(from[i].size());
            }
        }
        std::string_view at(size_t i) const { return {bytes.data() + i * stride, sizes[i]}; }
    };
    Packed net_key_packed, net_site_packed, net_network_packed;

    void pack() {
        net_key_packed.pack(net_keys);
        net_site_packed.pack(net_sites);
        net_network_packed.pack(net_networks);
        key_bytes.assign(size * kKeyStride, '\0');
        site_bytes.assign(size * kSiteStride, '\0');
        key_size.resize(size);
        site_size.resize(size);
        for (size_t i = 0; i < size; ++i) {
            if (keys[i].size() >= kKeyStride || sites[i].size() >= kSiteStride) throw std::runtime_error("stride too small");
            std::memcpy(key_bytes.data() + i * kKeyStride, keys[i].data(), keys[i].size());
            std::memcpy(site_bytes.data() + i * kSiteStride, sites[i].data(), sites[i].size());
            key_size[i] = static_cast<uint8_t>(keys[i].size());
            site_size[i] = static_cast<uint8_t>(sites[i].size());
        }
    }
};

std::unique_ptr<host::Host> make_host(const boost::json::object &db, const fs::path &state, bool cache) {
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_BENCH_MODULE_DIR);
    o.only_modules = {"licenses"};
    o.config = boost::json::object{{"database", db},
                                   {"licenses", {{"cache", {{"enabled", cache}, {"max_entries", 4 << 20}}}}}};
    o.state_dir = state;
    o.log = [](int32_t level, std::string_view module, std::string_view message) {
        if (level >= PLINTH_LOG_WARNING) std::cerr << module << ": " << message << "\n";
    };
    auto h = std::make_unique<host::Host>(std::move(o));
    h->load();
    if (h->module("licenses") == nullptr) {
        for (const auto &m : h->modules()) std::cerr << m.path << ": " << m.refusal << "\n";
        throw std::runtime_error("the licenses module did not load");
    }
    return h;
}

void seed(Dataset &d, storage::Connection &c, const std::array<uint8_t, 16> &lookup_key,
          const std::array<uint8_t, 32> &encryption_key) {
    constexpr size_t kBatch = 1000;
    const int64_t now = std::time(nullptr);
    c.execute("INSERT INTO license_products (id, slug, name, created_at) VALUES (1, 'seo', 'SEO Pro', ?)", {now});
    c.execute("INSERT INTO license_policies (id, product_id, name, seat_limit, grace_days, staging_exempt, created_at, "
              "scope, sites_per_network) "
              "VALUES (1, 1, 'five sites', 5, 14, 1, ?, 0, -1), (2, 1, 'unlimited', -1, 0, 1, ?, 0, -1), "
              "(3, 1, 'five networks', 5, 14, 1, ?, 1, -1)",
              {now, now, now});

    const size_t activation_licenses = 1000;
    const size_t total = d.size + activation_licenses + d.size; // the last d.size: scope network
    d.keys.reserve(d.size);
    d.sites.reserve(d.size);
    d.hashes.reserve(d.size);

    std::string license_sql = "INSERT INTO licenses (id, key_hash, key_ciphertext, user_id, product_id, policy_id, "
                              "status, seat_limit, grace_days, staging_exempt, seats_used, activated_sites, "
                              "issued_at, expires_at, updated_at, scope) VALUES ";
    std::string activation_sql =
        "INSERT INTO license_activations (license_id, site_canonical, exempt, activated_at, network_id, coverage) VALUES ";
    std::string network_sql =
        "INSERT INTO license_networks (id, license_id, network_canonical, exempt, activated_at) VALUES ";
    Progress progress("seeding " + std::to_string(d.size) + " licenses", total);
    for (size_t start = 0; start < total; start += kBatch) {
        size_t n = std::min(kBatch, total - start);
        std::vector<std::array<uint8_t, 16>> hashes(n);
        std::vector<std::string> sealed(n), summaries(n);
        std::vector<std::string> canonical;
        std::vector<int64_t> canonical_id, network_ids; // the license of each activation; its network or 0
        std::vector<storage::Param> lp, ap, np;
        std::string lsql = license_sql, asql = activation_sql, nsql = network_sql;
        for (size_t i = 0; i < n; ++i) {
            int64_t id = static_cast<int64_t>(start + i + 1);
            bool network = start + i >= d.size + activation_licenses;
            bool for_activation = !network && start + i >= d.size;
            licenses::NormalKey key = licenses::generate_key();
            crypto_shorthash_siphashx24(hashes[i].data(), reinterpret_cast<const unsigned char *>(key.symbols.data()),
                                        key.symbols.size(), lookup_key.data());
            // The same sealing as the module: nonce || XChaCha20-Poly1305(key), id as associated data.
            std::array<uint8_t, 8> ad{};
            for (int b = 0; b < 8; ++b) ad[b] = static_cast<uint8_t>(static_cast<uint64_t>(id) >> (8 * b));
            sealed[i].resize(24 + key.symbols.size() + 16);
            auto *out = reinterpret_cast<unsigned char *>(sealed[i].data());
            randombytes_buf(out, 24);
            crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, nullptr,
                                                       reinterpret_cast<const unsigned char *>(key.symbols.data()),
                                                       key.symbols.size(), ad.data(), ad.size(), nullptr, out,
                                                       encryption_key.data());
            lsql += i ? ",(?,?,?,?,1,?,0,?,?,1,?,?,?,0,?,?)" : "(?,?,?,?,1,?,0,?,?,1,?,?,?,0,?,?)";
            lp.push_back(id);
            lp.push_back(storage::Param::bytes(hashes[i].data(), 16));
            lp.push_back(storage::Param::bytes(sealed[i].data(), sealed[i].size()));
            lp.push_back(static_cast<int64_t>(1000 + id));
            lp.push_back(network ? 3 : for_activation ? 2 : 1);
            lp.push_back(for_activation ? -1 : 5);
            lp.push_back(for_activation ? 0 : 14);
            lp.push_back(for_activation ? 0 : 1);
            // The license row's activation summary, as the module keeps it: "\n" site "\n". A
            // network license's one network is its main site, example.org below.
            std::string main_site = (network ? "net-" : "site-") + std::to_string(id) + (network ? ".example.org" : ".example.com");
            summaries[i] = for_activation ? "\n" : "\n" + main_site + "\n";
            lp.push_back(storage::Param::bytes(summaries[i].data(), summaries[i].size()));
            lp.push_back(now);
            lp.push_back(now);
            lp.push_back(network ? 1 : 0);
            if (for_activation) {
                d.activation_keys.push_back(licenses::format_key(key));
            } else if (network) {
                d.net_keys.push_back(licenses::format_key(key));
                canonical.push_back(main_site);
                canonical_id.push_back(id);
                network_ids.push_back(id); // one network per license: its id is the license's
                d.net_sites.push_back("https://blog." + main_site + "/");
                d.net_networks.push_back("https://" + main_site);
            } else {
                d.keys.push_back(licenses::format_key(key));
                d.hashes.push_back(hashes[i]);
                canonical.push_back(main_site);
                canonical_id.push_back(id);
                network_ids.push_back(0);
                d.sites.push_back("https://" + canonical.back() + "/");
            }
        }
        c.execute(lsql, lp);
        // Views into `canonical` are taken only now that it no longer grows.
        for (size_t i = 0; i < canonical.size(); ++i) {
            if (network_ids[i] == 0) continue;
            nsql += np.empty() ? "(?,?,?,0,?)" : ",(?,?,?,0,?)";
            np.push_back(network_ids[i]);
            np.push_back(canonical_id[i]);
            np.push_back(std::string_view(canonical[i]));
            np.push_back(now);
        }
        if (!np.empty()) c.execute(nsql, np);
        for (size_t i = 0; i < canonical.size(); ++i) {
            asql += i ? ",(?,?,0,?,?,?)" : "(?,?,0,?,?,?)";
            ap.push_back(canonical_id[i]);
            ap.push_back(std::string_view(canonical[i]));
            ap.push_back(now);
            ap.push_back(network_ids[i] ? storage::Param(network_ids[i]) : storage::Param(nullptr));
            ap.push_back(network_ids[i] ? 2 : 1); // main site, or a site of a site-scoped license
        }
        if (!canonical.empty()) c.execute(asql, ap);
        progress.update(start + n);
    }
    progress.finish();
}

// Reads back what seed() wrote (keys decrypted with the module's own key): lets --reuse skip
// seeding. Returns false when the database does not hold a complete earlier seeding.
bool load_seeded(Dataset &d, storage::Connection &c, const std::array<uint8_t, 32> &encryption_key) {
    storage::Rows count = c.query("SELECT COUNT(*) FROM licenses");
    if (count.empty() || count.front().i64(0) != static_cast<int64_t>(2 * d.size + 1000)) return false;
    // (Activations of the unlimited licenses accumulate across runs; the seeded ones must not.)
    if (c.query("SELECT COUNT(*) FROM license_activations WHERE license_id <= ?", {static_cast<int64_t>(d.size)})
            .front()
            .i64(0) != static_cast<int64_t>(d.size))
        return false;
    Progress progress("loading " + std::to_string(d.size) + " licenses", 2 * d.size + 1000);
    size_t done = 0;
    for (int64_t after = 0;;) {
        storage::Rows rows = c.query("SELECT id, key_hash, key_ciphertext, policy_id FROM licenses WHERE id > ? "
                                     "ORDER BY id LIMIT 10000",
                                     {after});
        if (rows.empty()) break;
        for (const storage::Row &r : rows) {
            int64_t id = r.i64(0);
            after = id;
            const std::string &sealed = r.str(2);
            std::array<uint8_t, 8> ad{};
            for (int b = 0; b < 8; ++b) ad[b] = static_cast<uint8_t>(static_cast<uint64_t>(id) >> (8 * b));
            licenses::NormalKey key;
            const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
            if (sealed.size() != 24 + key.symbols.size() + 16 ||
                crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char *>(key.symbols.data()),
                                                           nullptr, nullptr, bytes + 24, sealed.size() - 24, ad.data(),
                                                           ad.size(), bytes, encryption_key.data()) != 0)
                return false;
            if (r.i64(3) == 2) {
                d.activation_keys.push_back(licenses::format_key(key));
            } else if (r.i64(3) == 3) {
                std::string main_site = "net-" + std::to_string(id) + ".example.org";
                d.net_keys.push_back(licenses::format_key(key));
                d.net_sites.push_back("https://blog." + main_site + "/");
                d.net_networks.push_back("https://" + main_site);
            } else {
                d.keys.push_back(licenses::format_key(key));
                std::array<uint8_t, 16> h{};
                std::memcpy(h.data(), r.str(1).data(), 16);
                d.hashes.push_back(h);
                d.sites.push_back("https://site-" + std::to_string(id) + ".example.com/");
            }
            progress.update(++done);
        }
    }
    progress.finish();
    return d.keys.size() == d.size;
}

// Checks every key once so the measured runs see a warm cache, as a long-running host would.
void warm(Dataset &d) {
    const auto *table = d.cached->interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = d.cached->module("licenses");
    Progress progress("warming the cache", d.size);
    std::atomic<size_t> next{0}, done{0}, bad{0};
    auto worker = [&] {
        for (size_t i; (i = next.fetch_add(1)) < d.size;) {
            plinth_license_query q{sizeof q, sdk::to_str(d.keys[i]), sdk::to_str(d.sites[i]), {}, {}};
            plinth_license_verdict v{};
            v.struct_size = sizeof v;
            if (table->check(module, &q, &v, nullptr) != PLINTH_OK || v.code != PLINTH_LICENSE_VALID) ++bad;
            // The network licenses' covered subsite (subdomain of the activated network).
            plinth_license_query n{sizeof n, sdk::to_str(d.net_keys[i]), sdk::to_str(d.net_sites[i]), {},
                                   sdk::to_str(d.net_networks[i])};
            v = plinth_license_verdict{};
            v.struct_size = sizeof v;
            if (table->check(module, &n, &v, nullptr) != PLINTH_OK || v.code != PLINTH_LICENSE_VALID ||
                v.coverage != PLINTH_LICENSE_COVERAGE_SUBDOMAIN)
                ++bad;
            ++done;
        }
    };
    std::thread a(worker), b(worker);
    while (done.load() < d.size) {
        progress.update(done.load());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    a.join();
    b.join();
    progress.finish();
    if (bad.load() != 0) throw std::runtime_error(std::to_string(bad.load()) + " seeded licenses did not check VALID");
}

std::unique_ptr<Dataset> prepare(size_t size, const Options &opt, const std::string &socket) {
    auto d = std::make_unique<Dataset>();
    d->size = size;
    d->database = "plinth_bench_" + std::to_string(size);
    storage::DbConfig admin_cfg;
    admin_cfg.socket = socket;
    admin_cfg.database = "mysql";
    std::atomic<uint64_t> counter{0};
    boost::json::object db{{"socket", socket}, {"database", d->database}, {"user", "root"}, {"pool_size", 4}};
    fs::path state = opt.state / d->database;
    storage::DbConfig cfg = admin_cfg;
    cfg.database = d->database;

    auto keys = [&] {
        auto l = read_file(state / "secrets" / "licenses" / "license-lookup.key");
        auto e = read_file(state / "secrets" / "licenses" / "license-encryption.key");
        if (l.size() != 16 || e.size() != 32) throw std::runtime_error("unexpected key sizes");
        std::pair<std::array<uint8_t, 16>, std::array<uint8_t, 32>> k;
        std::memcpy(k.first.data(), l.data(), l.size());
        std::memcpy(k.second.data(), e.data(), e.size());
        sodium_memzero(l.data(), l.size());
        sodium_memzero(e.data(), e.size());
        return k;
    };

    bool reused = false;
    if (opt.reuse && fs::exists(state / "secrets" / "licenses" / "license-encryption.key")) {
        try {
            storage::Connection c(cfg, &counter);
            auto [lookup, encryption] = keys();
            reused = load_seeded(*d, c, encryption);
            sodium_memzero(encryption.data(), encryption.size());
            sodium_memzero(lookup.data(), lookup.size());
        } catch (const std::exception &) {
            reused = false;
        }
        if (!reused) {
            std::cerr << d->database << ": nothing to reuse, seeding afresh\n";
            *d = Dataset{};
            d->size = size;
            d->database = "plinth_bench_" + std::to_string(size);
        }
    }
    if (reused) {
        try {
            d->cached = make_host(db, state, true);
        } catch (const std::exception &e) {
            // e.g. the schema changed since that run: its migration no longer matches.
            std::cerr << d->database << ": cannot reuse (" << e.what() << "), seeding afresh\n";
            reused = false;
            *d = Dataset{};
            d->size = size;
            d->database = "plinth_bench_" + std::to_string(size);
        }
    }
    if (!reused) {
        {
            storage::Connection admin(admin_cfg, &counter);
            admin.execute_trusted("DROP DATABASE IF EXISTS `" + d->database + "`");
            admin.execute_trusted("CREATE DATABASE `" + d->database + "` CHARACTER SET utf8mb4");
        }
        fs::remove_all(state);
        fs::create_directories(state);
        d->cached = make_host(db, state, true); // creates the schema and the secrets
        auto [lookup, encryption] = keys();
        storage::Connection c(cfg, &counter);
        seed(*d, c, lookup, encryption);
        c.execute_trusted("ANALYZE TABLE licenses, license_activations, license_networks");
        sodium_memzero(lookup.data(), lookup.size());
        sodium_memzero(encryption.data(), encryption.size());
    }
    d->uncached = make_host(db, state, false);
    d->pack();
    warm(*d);
    return d;
}

// ---- the benchmarks ----

// xorshift64*: cheap enough not to matter next to a hash lookup, and per thread.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull | 1) {}
    size_t below(size_t n) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return static_cast<size_t>((s * 0x2545F4914F6CDD1Dull) % n);
    }
};

void typed_check(benchmark::State &state, Dataset *d, bool cached) {
    host::Host &h = cached ? *d->cached : *d->uncached;
    const auto *table = h.interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = h.module("licenses");
    Rng rng(static_cast<uint64_t>(state.thread_index()) + 17);
    size_t bad = 0;
    for (auto _ : state) {
        size_t i = rng.below(d->size);
        plinth_license_query q{sizeof q, sdk::to_str(d->key(i)), sdk::to_str(d->site(i)), {}, {}};
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        int32_t rc = table->check(module, &q, &v, nullptr);
        bad += (rc != PLINTH_OK) | (v.valid != 1);
        benchmark::DoNotOptimize(v);
    }
    if (bad) state.SkipWithError("a check did not return VALID");
    state.SetItemsProcessed(state.iterations());
}

// The same typed check for a subsite covered by its license's network (scope network), with the
// network URL the site reports: the ratio to typed_check is what multisite costs on the hot path.
void network_check(benchmark::State &state, Dataset *d) {
    const auto *table = d->cached->interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = d->cached->module("licenses");
    Rng rng(static_cast<uint64_t>(state.thread_index()) + 17);
    size_t bad = 0;
    for (auto _ : state) {
        size_t i = rng.below(d->size);
        plinth_license_query q{sizeof q, sdk::to_str(d->net_key_packed.at(i)), sdk::to_str(d->net_site_packed.at(i)), {},
                               sdk::to_str(d->net_network_packed.at(i))};
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        int32_t rc = table->check(module, &q, &v, nullptr);
        bad += (rc != PLINTH_OK) | (v.valid != 1) | (v.network_id == 0);
        benchmark::DoNotOptimize(v);
    }
    if (bad) state.SkipWithError("a covered subsite did not check VALID through its network");
    state.SetItemsProcessed(state.iterations());
}

int32_t discard(void *, const char *, size_t) { return 0; }

void json_check(benchmark::State &state, Dataset *d) {
    const auto *cmd = d->cached->interface_as<plinth_command_v1>("licenses", PLINTH_EXT_COMMAND);
    const plinth_module *module = d->cached->module("licenses");
    plinth_call_context anon = host::anonymous_caller();
    plinth_sink sink{sizeof sink, nullptr, &discard};
    Rng rng(99);
    char args[512];
    size_t bad = 0;
    for (auto _ : state) {
        size_t i = rng.below(d->size);
        std::string_view key = d->key(i), site = d->site(i);
        int n = std::snprintf(args, sizeof args, "{\"key\":\"%.*s\",\"site\":\"%.*s\"}", static_cast<int>(key.size()),
                              key.data(), static_cast<int>(site.size()), site.data());
        plinth_error e{};
        e.struct_size = sizeof e;
        bad += cmd->execute(module, &anon, sdk::to_str("check"), plinth_str{args, static_cast<size_t>(n)}, &sink,
                            &e) != PLINTH_OK;
    }
    if (bad) state.SkipWithError("a JSON check failed");
    state.SetItemsProcessed(state.iterations());
}

// The floor for any uncached check: one prepared primary-key-like lookup of the license row, with
// nothing around it but the client library.
void point_select(benchmark::State &state, Dataset *d, const std::string &socket) {
    MYSQL *m = mysql_init(nullptr);
    unsigned protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    if (!mysql_real_connect(m, nullptr, "root", "", d->database.c_str(), 0, socket.c_str(), 0)) {
        state.SkipWithError(mysql_error(m));
        mysql_close(m);
        return;
    }
    const char *sql = "SELECT id, status, expires_at, grace_days, seat_limit, seats_used, staging_exempt, product_id "
                      "FROM licenses WHERE key_hash = ?";
    MYSQL_STMT *stmt = mysql_stmt_init(m);
    mysql_stmt_prepare(stmt, sql, std::strlen(sql));
    std::array<uint8_t, 16> hash{};
    unsigned long hash_len = 16;
    MYSQL_BIND param{};
    param.buffer_type = MYSQL_TYPE_BLOB;
    param.buffer = hash.data();
    param.buffer_length = 16;
    param.length = &hash_len;
    mysql_stmt_bind_param(stmt, &param);
    std::array<long long, 8> cols{};
    std::array<MYSQL_BIND, 8> out{};
    for (size_t i = 0; i < out.size(); ++i) {
        out[i].buffer_type = MYSQL_TYPE_LONGLONG;
        out[i].buffer = &cols[i];
    }
    mysql_stmt_bind_result(stmt, out.data());
    Rng rng(7);
    size_t bad = 0;
    for (auto _ : state) {
        hash = d->hashes[rng.below(d->size)];
        if (mysql_stmt_execute(stmt) != 0) {
            ++bad;
            continue;
        }
        bad += mysql_stmt_fetch(stmt) != 0;
        while (mysql_stmt_fetch(stmt) == 0) {
        }
        mysql_stmt_free_result(stmt);
        benchmark::DoNotOptimize(cols);
    }
    mysql_stmt_close(stmt);
    mysql_close(m);
    if (bad) state.SkipWithError("a point select failed");
    state.SetItemsProcessed(state.iterations());
}

struct MapValue {
    int64_t id;
    int32_t seat_limit, seats_used;
    int64_t expires_at;
};

// Heterogeneous lookup, so the baseline looks up the same string_view the check receives.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using KeyMap = std::unordered_map<std::string, MapValue, StringHash, std::equal_to<>>;

void unordered_map_lookup(benchmark::State &state, Dataset *d) {
    static std::unordered_map<size_t, std::unique_ptr<KeyMap>> maps;
    auto &map = maps[d->size];
    if (!map) {
        map = std::make_unique<KeyMap>();
        map->reserve(d->size);
        for (size_t i = 0; i < d->size; ++i) map->emplace(d->keys[i], MapValue{static_cast<int64_t>(i), 5, 1, 0});
    }
    Rng rng(static_cast<uint64_t>(state.thread_index()) + 17);
    size_t bad = 0;
    for (auto _ : state) {
        auto it = map->find(d->key(rng.below(d->size)));
        bad += it == map->end();
        benchmark::DoNotOptimize(it);
    }
    if (bad) state.SkipWithError("a key was missing");
    state.SetItemsProcessed(state.iterations());
}

void activate(benchmark::State &state, Dataset *d) {
    const auto *cmd = d->cached->interface_as<plinth_command_v1>("licenses", PLINTH_EXT_COMMAND);
    const plinth_module *module = d->cached->module("licenses");
    plinth_call_context anon = host::anonymous_caller();
    plinth_sink sink{sizeof sink, nullptr, &discard};
    // Fresh site names on every run, so --reuse never measures an idempotent re-activation.
    static std::atomic<uint64_t> serial{static_cast<uint64_t>(std::time(nullptr)) * 1000000};
    char args[512];
    size_t bad = 0;
    std::string last_error;
    for (auto _ : state) {
        uint64_t n = serial.fetch_add(1);
        const std::string &key = d->activation_keys[n % d->activation_keys.size()];
        int len = std::snprintf(args, sizeof args, "{\"key\":\"%s\",\"site\":\"https://act-%llu.example.org/\"}",
                                key.c_str(), static_cast<unsigned long long>(n));
        plinth_error e{};
        e.struct_size = sizeof e;
        if (cmd->execute(module, &anon, sdk::to_str("activation.activate"), plinth_str{args, static_cast<size_t>(len)},
                         &sink, &e) != PLINTH_OK) {
            ++bad;
            last_error = e.message;
        }
    }
    if (bad) state.SkipWithError(("an activation failed: " + last_error).c_str());
    state.SetItemsProcessed(state.iterations());
}

std::string size_label(size_t n) {
    if (n % 1000000 == 0) return std::to_string(n / 1000000) + "m";
    if (n % 1000 == 0) return std::to_string(n / 1000) + "k";
    return std::to_string(n);
}

Options parse(int &argc, char **argv) {
    Options o;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--sizes=", 0) == 0) {
            o.sizes.clear();
            std::string list = a.substr(8);
            for (size_t p = 0; p < list.size();) {
                size_t comma = list.find(',', p);
                if (comma == std::string::npos) comma = list.size();
                o.sizes.push_back(std::stoull(list.substr(p, comma - p)));
                p = comma + 1;
            }
        } else if (a.rfind("--sandbox=", 0) == 0) {
            o.sandbox = a.substr(10);
        } else if (a.rfind("--state=", 0) == 0) {
            o.state = a.substr(8);
        } else if (a == "--reuse") {
            o.reuse = true;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    return o;
}

} // namespace

int main(int argc, char **argv) {
    Options opt = parse(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    if (sodium_init() < 0) return 1;

    std::string start = std::string("'") + PLINTH_SOURCE_DIR "/tools/sandbox.sh' start '" + opt.sandbox.string() + "' >&2";
    if (std::system(start.c_str()) != 0) {
        std::cerr << "could not start the MariaDB sandbox in " << opt.sandbox << "\n";
        return 1;
    }
    std::string socket = fs::absolute(opt.sandbox / "mysqld.sock").string();
    {
        // The seeded tables should be served from memory, as on a real server: the sandbox's
        // default 128 MiB buffer pool is sized for the tests, not for a million licenses.
        storage::DbConfig admin;
        admin.socket = socket;
        admin.database = "mysql";
        std::atomic<uint64_t> counter{0};
        storage::Connection c(admin, &counter);
        c.execute_trusted("SET GLOBAL innodb_buffer_pool_size = 2147483648");
    }

    std::vector<std::unique_ptr<Dataset>> sets;
    try {
        for (size_t n : opt.sizes) sets.push_back(prepare(n, opt, socket));
    } catch (const std::exception &e) {
        std::cerr << "\nsetup failed: " << e.what() << "\n";
        return 1;
    }

    for (auto &set : sets) {
        Dataset *d = set.get();
        std::string n = size_label(d->size);
        benchmark::RegisterBenchmark(("licenses/check_cached/" + n).c_str(), typed_check, d, true)
            ->Threads(1)->Threads(2)->UseRealTime();
        benchmark::RegisterBenchmark(("licenses/check_uncached/" + n).c_str(), typed_check, d, false)->UseRealTime();
        benchmark::RegisterBenchmark(("licenses/check_json/" + n).c_str(), json_check, d)->UseRealTime();
        benchmark::RegisterBenchmark(("licenses/check_network_subsite/" + n).c_str(), network_check, d)
            ->Threads(1)->UseRealTime();
        benchmark::RegisterBenchmark(("baseline/point_select/" + n).c_str(), point_select, d, socket)->UseRealTime();
        benchmark::RegisterBenchmark(("baseline/unordered_map/" + n).c_str(), unordered_map_lookup, d)->UseRealTime();
    }
    // Writes last: they evict a few cache entries (their own licenses) through the change log.
    for (auto &set : sets)
        benchmark::RegisterBenchmark(("licenses/activate/" + size_label(set->size)).c_str(), activate, set.get())
            ->UseRealTime();

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
