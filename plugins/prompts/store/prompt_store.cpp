#include "prompt_store.hpp"

#include "../domain/calendar.hpp"

#include <map>
#include <tuple>

namespace plinth::prompts::PromptStore {

using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

namespace {

constexpr const char *kPromptColumns =
    "SELECT id, user_id, feature, model, prompt, response, input_tokens, output_tokens, latency_ms, "
    "created_at, analysis_blocked FROM prompts_log ";

StoredPrompt from_row(const Row &r) {
    StoredPrompt p;
    p.id = r.i64(0);
    p.user_id = r.optional_i64(1);
    p.feature = r.str(2);
    p.model = r.str(3);
    p.prompt = r.str(4);
    p.response = r.optional_str(5);
    p.input_tokens = r.i64(6);
    p.output_tokens = r.i64(7);
    p.latency_ms = r.i64(8);
    p.created_at = r.i64(9);
    p.analysis_blocked = r.i64(10) != 0;
    return p;
}

PromptPage page(Connection &c, const std::string &where, std::vector<Param> params, int64_t limit) {
    // One row more than asked tells whether another page exists without a COUNT.
    params.emplace_back(limit + 1);
    const std::string sql = std::string(kPromptColumns) + where + " ORDER BY id DESC LIMIT ?";
    PromptPage page;
    for (const Row &r : c.query(sql, params)) {
        if (static_cast<int64_t>(page.prompts.size()) == limit) {
            page.next_before_id = page.prompts.back().id;
            break;
        }
        page.prompts.push_back(from_row(r));
    }
    return page;
}

} // namespace

int64_t record(Connection &c, const NewPrompt &p, int64_t now_s) {
    const int64_t day = day_of(now_s);
    const int64_t bucket = latency_bucket(p.latency_ms);
    c.execute("INSERT INTO prompts_log (user_id, feature, model, prompt, response, input_tokens, "
              "output_tokens, latency_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {p.user_id, p.feature, p.model, p.prompt, p.response, p.input_tokens, p.output_tokens, p.latency_ms,
               now_s});
    const auto id = static_cast<int64_t>(c.last_insert_id());
    c.execute("INSERT INTO prompts_daily (day, feature, model, prompt_count, input_tokens, output_tokens, "
              "latency_ms_sum, latency_ms_max) VALUES (?, ?, ?, 1, ?, ?, ?, ?) "
              "ON DUPLICATE KEY UPDATE prompt_count = prompt_count + 1, "
              "input_tokens = input_tokens + VALUES(input_tokens), "
              "output_tokens = output_tokens + VALUES(output_tokens), "
              "latency_ms_sum = latency_ms_sum + VALUES(latency_ms_sum), "
              "latency_ms_max = GREATEST(latency_ms_max, VALUES(latency_ms_max))",
              {day, p.feature, p.model, p.input_tokens, p.output_tokens, p.latency_ms, p.latency_ms});
    c.execute("INSERT INTO prompts_daily_latency (day, feature, model, bucket_ms, prompt_count) "
              "VALUES (?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE prompt_count = prompt_count + 1",
              {day, p.feature, p.model, bucket});
    return id;
}

PromptPage list_for_user(Connection &c, int64_t user_id, int64_t limit, std::optional<int64_t> before_id) {
    if (before_id) return page(c, "WHERE user_id = ? AND id < ?", {user_id, *before_id}, limit);
    return page(c, "WHERE user_id = ?", {user_id}, limit);
}

PromptPage search(Connection &c, const SearchFilter &f) {
    // Only fixed SQL fragments are concatenated; every value is a bound parameter. The few
    // distinct texts this yields each get their own cached prepared statement.
    std::string where = "WHERE analysis_blocked = 0";
    std::vector<Param> params;
    const std::string pattern = f.text ? contains_pattern(*f.text) : std::string();
    if (f.user_id) {
        where += " AND user_id = ?";
        params.emplace_back(*f.user_id);
    }
    if (f.feature) {
        where += " AND feature = ?";
        params.emplace_back(*f.feature);
    }
    if (f.model) {
        where += " AND model = ?";
        params.emplace_back(*f.model);
    }
    if (f.from_day) {
        where += " AND created_at >= ?";
        params.emplace_back(*f.from_day * kSecondsPerDay);
    }
    if (f.to_day) {
        where += " AND created_at < ?";
        params.emplace_back((*f.to_day + 1) * kSecondsPerDay);
    }
    if (f.text) {
        where += " AND (prompt LIKE ? ESCAPE '!' OR response LIKE ? ESCAPE '!')";
        params.emplace_back(pattern);
        params.emplace_back(pattern);
    }
    if (f.before_id) {
        where += " AND id < ?";
        params.emplace_back(*f.before_id);
    }
    return page(c, where, std::move(params), f.limit);
}

std::vector<DailyGroup> stats(Connection &c, const StatsFilter &f) {
    std::string where = "WHERE day >= ? AND day <= ?";
    std::vector<Param> params{f.from_day, f.to_day};
    if (f.feature) {
        where += " AND feature = ?";
        params.emplace_back(*f.feature);
    }
    if (f.model) {
        where += " AND model = ?";
        params.emplace_back(*f.model);
    }
    const std::string groups_sql = "SELECT day, feature, model, prompt_count, input_tokens, output_tokens, "
                                   "latency_ms_sum, latency_ms_max FROM prompts_daily " +
                                   where + " ORDER BY day, feature, model";
    const std::string buckets_sql = "SELECT day, feature, model, bucket_ms, prompt_count FROM prompts_daily_latency " +
                                    where + " ORDER BY day, feature, model, bucket_ms";
    std::vector<DailyGroup> groups;
    std::map<std::tuple<int64_t, std::string, std::string>, size_t> index;
    for (const Row &r : c.query(groups_sql, params)) {
        DailyGroup g;
        g.day = r.i64(0);
        g.feature = r.str(1);
        g.model = r.str(2);
        g.prompts = r.i64(3);
        g.input_tokens = r.i64(4);
        g.output_tokens = r.i64(5);
        g.latency_ms_sum = r.i64(6);
        g.latency_ms_max = r.i64(7);
        index.emplace(std::make_tuple(g.day, g.feature, g.model), groups.size());
        groups.push_back(std::move(g));
    }
    for (const Row &r : c.query(buckets_sql, params)) {
        auto it = index.find(std::make_tuple(r.i64(0), r.str(1), r.str(2)));
        if (it != index.end()) groups[it->second].latency.push_back({r.i64(3), r.i64(4)});
    }
    return groups;
}

int64_t delete_batch(Connection &c, int64_t cutoff) {
    return static_cast<int64_t>(
        c.execute("DELETE FROM prompts_log WHERE created_at <= ? ORDER BY id LIMIT ?", {cutoff, kBatchRows}));
}

int64_t unlink_batch(Connection &c, int64_t cutoff) {
    return static_cast<int64_t>(c.execute("UPDATE prompts_log SET user_id = NULL "
                                          "WHERE user_id IS NOT NULL AND created_at <= ? ORDER BY id LIMIT ?",
                                          {cutoff, kBatchRows}));
}

std::vector<StoredPrompt> of_user_after(Connection &c, int64_t user_id, int64_t after_id) {
    std::vector<StoredPrompt> out;
    for (const Row &r : c.query(std::string(kPromptColumns) + "WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
                                {user_id, after_id, kBatchRows}))
        out.push_back(from_row(r));
    return out;
}

std::vector<int64_t> ids_of_user(Connection &c, int64_t user_id) {
    std::vector<int64_t> ids;
    for (const Row &r : c.query("SELECT id FROM prompts_log WHERE user_id = ? ORDER BY id", {user_id}))
        ids.push_back(r.i64(0));
    return ids;
}

std::vector<int64_t> lock_batch_of_user(Connection &c, int64_t user_id) {
    std::vector<int64_t> ids;
    for (const Row &r : c.query("SELECT id FROM prompts_log WHERE user_id = ? ORDER BY id LIMIT ? FOR UPDATE",
                                {user_id, kEraseBatch}))
        ids.push_back(r.i64(0));
    return ids;
}

void remove(Connection &c, int64_t id) { c.execute("DELETE FROM prompts_log WHERE id = ?", {id}); }

int64_t set_analysis_blocked(Connection &c, int64_t user_id, bool blocked) {
    return static_cast<int64_t>(
        c.execute("UPDATE prompts_log SET analysis_blocked = ? WHERE user_id = ? AND analysis_blocked <> ?",
                  {blocked, user_id, blocked}));
}

} // namespace plinth::prompts::PromptStore
