#pragma once
// An assert that stays in every build, for invariants: breaking one is a bug. Bad input is never
// asserted on; it gets an error value (a reply code, a file:line:col message).
#include <cstdio>
#include <cstdlib>

namespace brokersim {

[[noreturn]] inline void invariant_broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace brokersim

#define BROKERSIM_ASSERT(condition) \
  ((condition) ? static_cast<void>(0) : ::brokersim::invariant_broken(#condition, __FILE__, __LINE__))
