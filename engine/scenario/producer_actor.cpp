#include "scenario/producer_actor.h"

#include <cmath>

#include "scenario/message_template.h"

namespace brokersim::scenario {

ProducerActor::ProducerActor(ActorContext& context, const ProducerSpec& spec, ClientConnection* host)
    : context_(context), spec_(spec), connection_(host), rate_(spec.rate_per_second) {
  if (!connection_) connection_ = &own_.emplace(context, spec.name, spec.at, this);
  if (spec.confirms) {
    connection_->add_setup([this](broker::ChannelKey key) {
      // A new channel numbers its publishes from 1; what the old one left unconfirmed is gone.
      channel_sequence_ = 0;
      unconfirmed_.clear();
      context_.ok(context_.client.confirm_select(key), spec_.name, spec_.at);
      if (held_) {
        held_ = false;
        schedule_next(context_.now());
      }
    });
  }
  // A producer of its own starts with the run; the publishes are timed by start and offset.
  if (own_) own_->start();
  weights_ = weights();
  if (!spec.schedule.empty()) {
    for (sim::TimeUs t : spec.schedule) context_.scheduler.schedule_at(t, [this] { send(); });
  } else {
    schedule_next(spec.start_us, spec.offset_us);
  }
}

void ProducerActor::set_rate(double rate) {
  const bool was_idle = rate_ <= 0;
  rate_ = rate;
  if (was_idle && rate_ > 0) schedule_next(context_.now());
}

std::vector<std::uint64_t> ProducerActor::weights() const {
  std::vector<std::uint64_t> w;
  for (const auto& m : spec_.messages) w.push_back(m.weight);
  return w;
}

// The next publish comes one gap after `from_us`: 1/rate, or a Poisson draw around it, unless
// the gap is given (the first publish's offset).
void ProducerActor::schedule_next(sim::TimeUs from_us, std::optional<sim::TimeUs> gap_us) {
  if (rate_ <= 0 || spec_.messages.empty()) return;
  sim::TimeUs at = from_us;
  if (gap_us) {
    at += *gap_us;
  } else {
    const double mean_gap_us = 1e6 / rate_;
    const double gap = spec_.arrivals == ProducerSpec::Arrivals::kPoisson ? context_.rng.exponential(mean_gap_us) : mean_gap_us;
    at += static_cast<sim::TimeUs>(std::llround(gap));
  }
  if (at > spec_.stop_us || at > context_.end_us) return;
  context_.scheduler.schedule_at(at, [this] {
    if (!send()) return;
    if (waiting_for_confirms()) {
      held_ = true;  // on_confirm lets the next one go
    } else {
      schedule_next(context_.now());
    }
  });
}

// A publisher that waits: for each confirm, or for a whole batch's once the batch is out.
bool ProducerActor::waiting_for_confirms() const {
  using Wait = ProducerSpec::ConfirmWait;
  if (!spec_.confirms || spec_.confirm_wait == Wait::kAsync) return false;
  const std::uint64_t in_flight = in_transit_ + unconfirmed_.size();
  if (spec_.confirm_wait == Wait::kEach) return in_flight >= 1;
  return in_flight > 0 && sent_ % spec_.confirm_batch == 0;
}

// The broker's answer reaches the application one latency later. An asynchronous publisher
// only counts it, so it takes the mean latency: a random draw here would reshuffle every later
// draw of runs that had no confirm counters before.
void ProducerActor::on_confirm(const broker::Confirm& c) {
  const bool waits = spec_.confirm_wait != ProducerSpec::ConfirmWait::kAsync;
  context_.scheduler.schedule_after(waits ? context_.latency() : context_.mean_latency(), [this, c] { take_confirm(c); });
}

void ProducerActor::take_confirm(const broker::Confirm& c) {
  auto settle = [&](std::uint64_t sequence) {
    if (!unconfirmed_.erase(sequence)) return;
    ++(c.nack ? nacked_ : confirmed_);
  };
  if (c.multiple) {
    while (!unconfirmed_.empty() && *unconfirmed_.begin() <= c.sequence) settle(*unconfirmed_.begin());
  } else {
    settle(c.sequence);
  }
  if (held_ && !waiting_for_confirms()) {
    held_ = false;
    schedule_next(context_.now());
  }
}

void ProducerActor::on_return(const broker::Return&) { ++returned_; }

ActorStats ProducerActor::stats() const {
  ActorStats out;
  out.published = sent_;
  out.confirmed = confirmed_;
  out.nacked = nacked_;
  out.returned = returned_;
  return out;
}

// Returns false once the producer has sent its count.
bool ProducerActor::send() {
  if (spec_.count && sent_ >= *spec_.count) return false;
  if (rate_ <= 0 && spec_.schedule.empty()) return false;
  if (!connection_->running()) return true;  // the application is down: nothing is sent
  const MessageTemplate* t = &spec_.messages[context_.rng.weighted_choice(weights_)];
  const std::uint64_t seq = ++sent_;
  // The publish reaches the broker after the network latency. Only the choice travels in
  // the task (it stays small enough to be stored inline); the template is filled in on arrival.
  ++in_transit_;
  context_.scheduler.schedule_after(context_.latency(), [this, t, seq] {
    --in_transit_;
    const auto key = connection_->channel();  // reopened after a restart, as a real client would
    if (!key) return;
    fill_publish(publish_scratch_, spec_.exchange, *t, seq, spec_.name);
    publish_scratch_.mandatory = spec_.mandatory;
    if (spec_.confirms) unconfirmed_.insert(++channel_sequence_);
    context_.ok(context_.client.basic_publish(*key, publish_scratch_), spec_.name, spec_.at);
  });
  return !spec_.count || sent_ < *spec_.count;
}

}  // namespace brokersim::scenario
