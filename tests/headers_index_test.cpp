// The headers exchange's index must route exactly as a scan of every binding with
// headers_match does: a differential test over random bindings, headers and unbinds.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/headers_exchange.h"
#include "sim/rng.h"

using namespace brokersim::broker;

namespace {

// Values from a small pool, so that bindings and headers often meet, in every type class
// erlang_equal distinguishes: numbers of several widths, strings and byte arrays, and others.
FieldValue random_value(brokersim::sim::Rng& rng) {
  const std::int64_t n = rng.uniform_int(0, 3);
  switch (rng.below(11)) {
    case 0: return FieldValue(static_cast<std::int32_t>(n));
    case 1: return FieldValue(n);
    case 2: return FieldValue(static_cast<double>(n));
    case 3: return FieldValue::of(static_cast<std::uint8_t>(n));
    case 4: return FieldValue("v" + std::to_string(n));
    case 5: return FieldValue::of(ByteArray{"v" + std::to_string(n)});
    case 6: return FieldValue(n % 2 == 0);
    case 7: return FieldValue(Void{});
    case 8: return FieldValue(FieldArray{FieldValue(n)});
    case 9: return FieldValue(n == 0 ? -0.0 : 0.0 / 0.0);  // negative zero and NaN
    default: return FieldValue::of(Timestamp{static_cast<std::uint64_t>(n)});
  }
}

std::string random_name(brokersim::sim::Rng& rng) {
  static const char* names[] = {"a", "b", "c", "x-a", "x-match"};
  return names[rng.below(5)];
}

FieldTable random_arguments(brokersim::sim::Rng& rng) {
  static const char* modes[] = {"all", "any", "all-with-x", "any-with-x"};
  FieldTable args;
  if (rng.below(5) != 0) args.emplace_back("x-match", modes[rng.below(4)]);
  const auto terms = rng.below(4);
  for (std::uint64_t i = 0; i < terms; ++i) {
    std::string name = random_name(rng);
    if (name == "x-match") continue;
    args.emplace_back(name, random_value(rng));
  }
  return args;
}

FieldTable random_headers(brokersim::sim::Rng& rng) {
  FieldTable headers;
  const auto count = rng.below(5);
  for (std::uint64_t i = 0; i < count; ++i) headers.emplace_back(random_name(rng), random_value(rng));
  return headers;
}

std::vector<std::uint64_t> routed_by_index(const HeadersExchange& x, const FieldTable* headers) {
  std::vector<const Binding*> matched;
  x.route({.routing_keys = {}, .headers = headers}, matched);
  std::vector<std::uint64_t> ids;
  for (const Binding* b : matched) ids.push_back(b->id);
  return ids;
}

std::vector<std::uint64_t> routed_by_scan(const HeadersExchange& x, const FieldTable* headers) {
  std::vector<std::uint64_t> ids;
  for (const auto& b : x.bindings()) {
    if (headers_match(b->arguments, headers)) ids.push_back(b->id);
  }
  return ids;
}

}  // namespace

TEST_CASE("headers index routes exactly as a scan of every binding, through binds and unbinds") {
  brokersim::sim::Rng rng(20261201);
  HeadersExchange x("h", {});
  std::uint64_t next_id = 1;
  int compared = 0;
  int matched_somewhere = 0;
  for (int round = 0; round < 60; ++round) {
    for (int i = 0; i < 20; ++i) {
      auto b = std::make_unique<Binding>();
      b->id = next_id++;
      b->source = "h";
      b->destination = "q" + std::to_string(b->id);
      b->arguments = random_arguments(rng);
      x.add_binding(std::move(b));
    }
    // Unbind a few, so the index must forget exactly what it filed.
    for (int i = 0; i < 8 && !x.bindings().empty(); ++i) {
      const Binding* victim = x.bindings()[rng.below(x.bindings().size())].get();
      REQUIRE(x.remove_binding(victim) != nullptr);
    }
    for (int m = 0; m < 50; ++m) {
      const bool none = rng.below(10) == 0;
      const FieldTable headers = random_headers(rng);
      const FieldTable* h = none ? nullptr : &headers;
      const auto by_index = routed_by_index(x, h);
      REQUIRE(by_index == routed_by_scan(x, h));
      matched_somewhere += by_index.empty() ? 0 : 1;
      ++compared;
    }
  }
  CHECK(compared == 3000);
  CHECK(matched_somewhere > 1000);  // the random pools really do meet
}
