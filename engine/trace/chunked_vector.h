#pragma once
// An append-only array in fixed-size chunks. A trace of a long run holds millions of records:
// a std::vector would copy all of them on every growth and briefly hold two copies, which
// costs more in page faults than the records cost to write. Chunks never move.
//
// Chunks are 2 MiB and aligned to it, and on Linux the kernel is asked to back them with huge
// pages: filling a trace then takes one page fault per chunk instead of 512.
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace brokersim::trace {

template <typename T>
class ChunkedVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "chunks are raw memory: records are plain data");

 public:
  static constexpr std::size_t kChunkBytes = std::size_t{2} << 20;
  static constexpr std::size_t kChunkSize = kChunkBytes / sizeof(T);

  ChunkedVector() = default;
  ChunkedVector(const ChunkedVector&) = delete;
  ChunkedVector& operator=(const ChunkedVector&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void push_back(const T& value) {
    const std::size_t offset = size_ % kChunkSize;
    if (offset == 0) chunks_.emplace_back(allocate_chunk());
    chunks_.back()[offset] = value;
    ++size_;
  }

  const T& operator[](std::size_t index) const { return chunks_[index / kChunkSize][index % kChunkSize]; }
  T& operator[](std::size_t index) { return chunks_[index / kChunkSize][index % kChunkSize]; }

 private:
  struct FreeChunk {
    void operator()(T* chunk) const { ::operator delete(chunk, std::align_val_t{kChunkBytes}); }
  };

  static T* allocate_chunk() {
    void* memory = ::operator new(kChunkBytes, std::align_val_t{kChunkBytes});
#if defined(MADV_HUGEPAGE)
    (void)madvise(memory, kChunkBytes, MADV_HUGEPAGE);  // a hint: without it, small pages
#endif
    return static_cast<T*>(memory);
  }

  std::vector<std::unique_ptr<T[], FreeChunk>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace brokersim::trace
