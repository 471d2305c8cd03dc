// Strict parsing of values as the user typed them. Each function throws InputError naming `field` (the
// library's name: "n", "top_k"; the CLI shows --n, --top-k) and quoting the text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attnlim {

// A whole number in [min, max]: "1000", "1e3" and "1.5e3" are accepted (exact integers), "1.5", "",
// "-1" (when min >= 0), "0x10" and anything beyond max (no saturation, no wrap-around) are refused.
std::uint64_t parse_whole(const std::string& field, const std::string& text, std::uint64_t min, std::uint64_t max);
// A real number; the whole text must parse ("" and "1x" are refused). inf and nan parse (callers
// check the range).
double parse_real(const std::string& field, const std::string& text);
// The items of a comma-separated list; refuses an empty list and empty items ("1,,2", "1,").
std::vector<std::string> split_list(const std::string& field, const std::string& text);
// Distinct whole numbers in [min, max] from a comma-separated list (a repeated value is refused).
std::vector<std::uint64_t> parse_whole_list(const std::string& field, const std::string& text, std::uint64_t min,
                                            std::uint64_t max);
// Distinct finite values >= 0 from a comma-separated list: the beta values of --beta and --beta-spec. An item
// A..BxN stands for N values log-spaced from A to B, both included (0 < A < B, 2 <= N <= 64): critical:0.1..10x32.
std::vector<double> parse_beta_values(const std::string& field, const std::string& text);

}  // namespace attnlim
