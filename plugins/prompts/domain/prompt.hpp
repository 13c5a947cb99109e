// prompts/domain/prompt.hpp — what one recorded prompt is, and the rules its fields obey.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::prompts {

inline constexpr size_t kMaxFeatureBytes = 64;
inline constexpr size_t kMaxModelBytes = 128;
inline constexpr int64_t kMaxTokens = 100'000'000;        // per prompt, input or output
inline constexpr int64_t kMaxLatencyMs = 24 * 3600 * 1000; // a day
inline constexpr size_t kMaxSearchTextBytes = 256;

// The purpose asked of plinth.consent/1 before a prompt is stored (see docs/modules/prompts.md).
inline constexpr std::string_view kAnalysisPurpose = "ai-prompt-analysis";
// The data-inventory category every item of this module belongs to.
inline constexpr std::string_view kCategory = "AI prompts";

struct NewPrompt {
    int64_t user_id = 0;
    std::string feature;
    std::string model;
    std::string prompt;
    std::optional<std::string> response; // absent when the model gave none (error, timeout)
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    int64_t latency_ms = 0;
};

struct StoredPrompt {
    int64_t id = 0;
    std::optional<int64_t> user_id; // nullopt once retention removed the link
    std::string feature;
    std::string model;
    std::string prompt;
    std::optional<std::string> response;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    int64_t latency_ms = 0;
    int64_t created_at = 0; // Unix seconds
    bool analysis_blocked = false; // the subject restricted or objected after it was recorded
};

// Feature names are slugs chosen by the integrating application: 1..64 bytes of [a-z0-9._-],
// starting with a letter or digit. Throws sdk::Error(PLINTH_E_INVALID_ARGUMENT).
void check_feature(std::string_view feature);

// Model names as vendors spell them ("gpt-4o-mini", "meta-llama/Llama-3-70b", "claude@2024"):
// 1..128 bytes of [A-Za-z0-9._:/@+-]. Throws sdk::Error(PLINTH_E_INVALID_ARGUMENT).
void check_model(std::string_view model);

// Throws sdk::Error(PLINTH_E_LIMIT_EXCEEDED) naming the argument, its size, the limit and the
// configuration key that sets it, when `bytes` exceeds `limit`.
void check_text_size(std::string_view argument, size_t bytes, int64_t limit, std::string_view config_key);

// Who is acting, reduced to what ownership rules need.
struct Actor {
    bool system = false;  // the host itself
    bool staff = false;   // staff or admin (the system counts as staff)
    int64_t user_id = 0;  // the signed-in account, 0 for the system
};

// Whose prompt is being recorded or listed. A user acts for themselves (naming their own id is
// allowed); staff and the system may name any user; the system must name one.
// Throws PLINTH_E_PERMISSION_DENIED or PLINTH_E_INVALID_ARGUMENT.
int64_t resolve_owner(const Actor &actor, std::optional<int64_t> requested_user_id);

// A LIKE pattern matching `text` anywhere, with '!' as the escape character (the SQL must say
// ESCAPE '!'), so '%', '_' and '!' in the search text match themselves.
std::string contains_pattern(std::string_view text);

} // namespace plinth::prompts
