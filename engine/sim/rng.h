#pragma once
// Our own seeded generator and distributions. The std:: distributions are specified only by
// their results' shape, not their bits, so libstdc++ and libc++ give different numbers; these
// give the same numbers everywhere.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace brokersim::sim {

// xoshiro256** seeded through splitmix64, so any 64-bit seed (even 0) gives a good state.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t seed() const { return seed_; }
  std::uint64_t next_u64();

  // Uniform integer in [0, bound), without modulo bias. bound must be > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform integer in [lo, hi], both inclusive.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double unit();
  // Exponential with the given mean (mean >= 0).
  double exponential(double mean);
  // Normal with the given mean and standard deviation (Marsaglia's polar method).
  double normal(double mean, double stddev);
  // Index chosen with probability weight[i] / sum(weights). At least one weight must be > 0.
  std::size_t weighted_choice(std::span<const std::uint64_t> weights);
  // True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) { return below(denominator) < numerator; }

 private:
  std::uint64_t seed_;
  std::array<std::uint64_t, 4> state_{};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// A seed made from others, well spread (splitmix64's finaliser over their mix): per actor,
// per message.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);
// FNV-1a of bytes: a stable key for names and message contents.
std::uint64_t hash_text(std::string_view text, std::uint64_t basis = 0xcbf29ce484222325ull);

}  // namespace brokersim::sim
