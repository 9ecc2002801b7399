#include <algorithm>
#include <iterator>

#include "amqp/method.h"
#include "amqp/method_spec.h"

namespace brokersim::amqp {
namespace {

using spec::kMethods;

static_assert(std::is_sorted(std::begin(kMethods), std::end(kMethods),
                             [](const MethodSpec& a, const MethodSpec& b) { return a.id < b.id; }));

}  // namespace

const MethodSpec* find_method_spec(std::uint32_t id) {
  const auto* it = std::lower_bound(std::begin(kMethods), std::end(kMethods), id,
                                    [](const MethodSpec& spec, std::uint32_t key) { return spec.id < key; });
  return it != std::end(kMethods) && it->id == id ? it : nullptr;
}

std::span<const MethodSpec> all_method_specs() { return kMethods; }

}  // namespace brokersim::amqp
