#include "broker/channel.h"

#include <cassert>

namespace brokersim::broker {

void Channel::add_unacked(Unacked unacked) {
  assert(unacked.delivery_tag >= first_tag_ + unacked_.size());
  if (unacked_.empty()) first_tag_ = unacked.delivery_tag;
  // Tags used by no-ack deliveries or basic.get no-ack leave holes: fill them with dead slots.
  while (first_tag_ + unacked_.size() < unacked.delivery_tag) {
    Unacked hole;
    hole.delivery_tag = first_tag_ + unacked_.size();
    unacked_.push_back(std::move(hole));
  }
  unacked.live = true;
  unacked_.push_back(std::move(unacked));
  ++unacked_live_;
}

Unacked* Channel::find_unacked(std::uint64_t delivery_tag) {
  if (delivery_tag < first_tag_ || delivery_tag >= first_tag_ + unacked_.size()) return nullptr;
  Unacked& u = unacked_[delivery_tag - first_tag_];
  return u.live ? &u : nullptr;
}

void Channel::take_unacked(std::uint64_t delivery_tag, bool multiple, std::vector<Unacked>& taken) {
  const std::size_t before = taken.size();
  if (multiple) {
    const bool all = delivery_tag == 0;
    for (auto& u : unacked_) {
      if (!all && u.delivery_tag > delivery_tag) break;
      if (u.live) {
        u.live = false;
        taken.push_back(std::move(u));
      }
    }
  } else if (Unacked* u = find_unacked(delivery_tag)) {
    u->live = false;
    taken.push_back(std::move(*u));
  }
  unacked_live_ -= taken.size() - before;
  trim_front();
}

void Channel::trim_front() {
  while (!unacked_.empty() && !unacked_.front().live) {
    unacked_.pop_front();
    ++first_tag_;
  }
}

}  // namespace brokersim::broker
