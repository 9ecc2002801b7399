#pragma once
// A piece of work for the scheduler: any callable, moved in, never copied. Most of what a
// simulation schedules captures a pointer or two, so those are stored inline and scheduling
// them does not allocate. Bigger callables (a consumer's work on a message, a message to
// publish) go to the heap: a task is moved a few times between scheduling and running, and
// moving a pointer beats moving strings. Unlike std::function, a Task may hold move-only
// captures.
#include <concepts>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace brokersim::sim {

class Task {
 public:
  Task() noexcept = default;

  template <typename F>
    requires(!std::same_as<std::remove_cvref_t<F>, Task> && std::invocable<std::remove_cvref_t<F>&>)
  Task(F&& callable) {  // NOLINT(google-explicit-constructor): lambdas convert, as to std::function
    using Callable = std::remove_cvref_t<F>;
    if constexpr (fits_inline<Callable>()) {
      ::new (static_cast<void*>(storage_)) Callable(std::forward<F>(callable));
      ops_ = &kInlineOps<Callable>;
    } else {
      ::new (static_cast<void*>(storage_)) Callable*(new Callable(std::forward<F>(callable)));
      ops_ = &kHeapOps<Callable>;
    }
  }

  Task(Task&& other) noexcept : ops_(other.ops_) {
    if (ops_) ops_->relocate(other.storage_, storage_);
    other.ops_ = nullptr;
  }

  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_) ops_->relocate(other.storage_, storage_);
      other.ops_ = nullptr;
    }
    return *this;
  }

  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  // Runs the work; the task must not be empty.
  void operator()() { ops_->invoke(storage_); }

 private:
  static constexpr std::size_t kInlineBytes = 48;

  struct Ops {
    void (*invoke)(void* storage);
    // Move-constructs into `to`, then destroys what is left in `from`.
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void* storage) noexcept;
  };

  template <typename Callable>
  static constexpr bool fits_inline() {
    return sizeof(Callable) <= kInlineBytes && alignof(Callable) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<Callable>;
  }

  template <typename Callable>
  static constexpr Ops kInlineOps{
      [](void* s) { (*std::launder(static_cast<Callable*>(s)))(); },
      [](void* from, void* to) noexcept {
        Callable* source = std::launder(static_cast<Callable*>(from));
        ::new (to) Callable(std::move(*source));
        source->~Callable();
      },
      [](void* s) noexcept { std::launder(static_cast<Callable*>(s))->~Callable(); },
  };

  template <typename Callable>
  static constexpr Ops kHeapOps{
      [](void* s) { (**std::launder(static_cast<Callable**>(s)))(); },
      [](void* from, void* to) noexcept { ::new (to) Callable*(*std::launder(static_cast<Callable**>(from))); },
      [](void* s) noexcept { delete *std::launder(static_cast<Callable**>(s)); },
  };

  void reset() noexcept {
    if (ops_) ops_->destroy(storage_);
    ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace brokersim::sim
