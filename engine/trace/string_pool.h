#pragma once
// Each distinct string stored once and named by a small number. A trace repeats a few dozen
// names millions of times, so interning is on the hot path of every event kept in memory: the
// table is open-addressed, a lookup never allocates, and short strings are hashed and compared
// with a few word loads (see Key). The lookup is inline; adding a string is not.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace brokersim::trace {

class StringPool {
 public:
  using Id = std::uint32_t;
  static constexpr Id kEmpty = 0;  // the empty string is always there, as id 0

  StringPool();

  Id intern(std::string_view text) { return text.empty() ? kEmpty : find(text, Key::of(text)); }
  // The string a field held last time is often what it holds now (the same exchange, the
  // same binding in the same place), so a caller may keep a Hint per field: a hit costs two
  // word loads and a compare, no hashing or probing.
  class Hint;
  Id intern(std::string_view text, Hint& hint);

  const std::string& text(Id id) const { return strings_[id]; }
  std::size_t size() const { return strings_.size(); }

 private:
  static constexpr Id kFreeSlot = ~Id{0};

  // The length with the first and last eight bytes (overlapping, or fewer loads when shorter).
  // For strings of up to 16 bytes these cover every byte, so equal keys mean equal strings;
  // longer ones are compared in full.
  struct Key {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::size_t size = 0;

    static Key of(std::string_view text) {
      const char* at = text.data();
      const std::size_t n = text.size();
      Key key;
      key.size = n;
      if (n >= 8) {
        key.head = load<std::uint64_t>(at);
        key.tail = load<std::uint64_t>(at + n - 8);
      } else if (n >= 4) {
        key.head = load<std::uint32_t>(at);
        key.tail = load<std::uint32_t>(at + n - 4);
      } else if (n > 0) {  // bytes 0, n/2 and n-1 are every byte of a 1-3 byte string
        key.head = static_cast<std::uint64_t>(static_cast<unsigned char>(at[0])) |
                   static_cast<std::uint64_t>(static_cast<unsigned char>(at[n / 2])) << 8;
        key.tail = static_cast<unsigned char>(at[n - 1]);
      }
      return key;
    }

    // Multiply-and-fold mixing; only equal keys must agree, and nothing is persisted.
    std::uint64_t hash() const {
      constexpr std::uint64_t kMultiplier = 0x9fb21c651e98df25ULL;
      std::uint64_t h = (head ^ (size * kMultiplier)) * kMultiplier;
      h = (h ^ (h >> 29) ^ tail) * kMultiplier;
      return h ^ (h >> 32);
    }

    bool operator==(const Key&) const = default;

   private:
    template <typename Word>
    static Word load(const char* at) {
      Word word;
      std::memcpy(&word, at, sizeof word);
      return word;
    }
  };
  static constexpr std::size_t kKeyCoversUpTo = 16;

  Id find(std::string_view text, const Key& key) {
    for (std::size_t slot = key.hash() & slot_mask_;; slot = (slot + 1) & slot_mask_) {
      const Id id = slots_[slot];
      if (id == kFreeSlot) return add(text, key, slot);
      if (keys_[id] == key && (key.size <= kKeyCoversUpTo || strings_[id] == text)) return id;
    }
  }
  Id add(std::string_view text, const Key& key, std::size_t free_slot);
  void rehash(std::size_t slot_count);

  std::vector<std::string> strings_;
  std::vector<Key> keys_;   // per id
  std::vector<Id> slots_;   // linear probing; a power of two, at most half full
  std::size_t slot_mask_ = 0;
};

class StringPool::Hint {
 private:
  friend class StringPool;
  Key key;  // the empty key: no string interned through this hint yet
  Id id = kEmpty;
};

inline StringPool::Id StringPool::intern(std::string_view text, Hint& hint) {
  if (text.empty()) return kEmpty;
  const Key key = Key::of(text);
  if (key == hint.key && (key.size <= kKeyCoversUpTo || strings_[hint.id] == text)) return hint.id;
  hint.key = key;
  hint.id = find(text, key);
  return hint.id;
}

}  // namespace brokersim::trace
