#include "trace/string_pool.h"

namespace brokersim::trace {

StringPool::StringPool() {
  strings_.emplace_back();
  keys_.push_back(Key::of({}));
  rehash(64);
}

StringPool::Id StringPool::add(std::string_view text, const Key& key, std::size_t free_slot) {
  const Id added = static_cast<Id>(strings_.size());
  strings_.emplace_back(text);
  keys_.push_back(key);
  slots_[free_slot] = added;
  if (strings_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  return added;
}

void StringPool::rehash(std::size_t slot_count) {
  slots_.assign(slot_count, kFreeSlot);
  slot_mask_ = slot_count - 1;
  // Id 0 (the empty string) is never looked up: intern answers it without the table.
  for (Id id = 1; id < strings_.size(); ++id) {
    std::size_t slot = keys_[id].hash() & slot_mask_;
    while (slots_[slot] != kFreeSlot) slot = (slot + 1) & slot_mask_;
    slots_[slot] = id;
  }
}

}  // namespace brokersim::trace
