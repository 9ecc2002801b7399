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
  return u.live && !u.held ? &u : nullptr;
}

void Channel::take_all_unacked(std::vector<Unacked>& taken) {
  const std::size_t before = taken.size();
  for (auto& u : unacked_) {
    if (!u.live) continue;
    u.live = false;
    u.held = false;
    taken.push_back(std::move(u));
  }
  unacked_live_ -= taken.size() - before;
  trim_front();
}

void Channel::hold_unacked(std::uint64_t delivery_tag, bool multiple, std::vector<std::uint64_t>& tags) {
  if (multiple) {
    for (auto& u : unacked_) {
      if (delivery_tag != 0 && u.delivery_tag > delivery_tag) break;
      if (u.live && !u.held) {
        u.held = true;
        tags.push_back(u.delivery_tag);
      }
    }
  } else if (Unacked* u = find_unacked(delivery_tag)) {
    u->held = true;
    tags.push_back(delivery_tag);
  }
}

void Channel::take_held(const std::vector<std::uint64_t>& tags, std::vector<Unacked>& taken) {
  for (std::uint64_t tag : tags) {
    if (tag < first_tag_ || tag >= first_tag_ + unacked_.size()) continue;
    Unacked& u = unacked_[tag - first_tag_];
    if (!u.live || !u.held) continue;
    u.live = false;
    u.held = false;
    taken.push_back(std::move(u));
    --unacked_live_;
  }
  trim_front();
}

void Channel::release_held() {
  for (auto& u : unacked_) u.held = false;
}

void Channel::take_unacked(std::uint64_t delivery_tag, bool multiple, std::vector<Unacked>& taken) {
  const std::size_t before = taken.size();
  if (multiple) {
    const bool all = delivery_tag == 0;
    for (auto& u : unacked_) {
      if (!all && u.delivery_tag > delivery_tag) break;
      if (u.live && !u.held) {
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
