#pragma once
// A scenario's actors against a real RabbitMQ (or several nodes), for `verify` and `drive`:
// safe on someone else's broker. It declares the scenario's own names only after checking by
// passive declare that none exists, deletes what it created at the end (unless told to keep
// it), and stops with a clear error, not a hang, when the broker goes away.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/amqp_broker_client.h"
#include "scenario/runner.h"
#include "scenario/scenario.h"
#include "scenario/verification.h"

namespace brokersim::app {

struct RealRunOptions {
  std::vector<net::AmqpUrl> urls;
  double speed = 1.0;
  std::optional<std::uint64_t> seed;
  std::string restart_command;  // for timeline restarts; empty: the broker is not restarted
  bool keep = false;            // leave the scenario's queues and exchanges on the broker
  // Called now and then during the run with the scenario's time.
  std::function<void(sim::TimeUs now_us)> progress;
};

// The queues and exchanges the scenario declares under fixed names (server-named queues and
// the built-in amq.* exchanges are not among them).
struct FixedNames {
  std::vector<std::string> queues;
  std::vector<std::string> exchanges;
};
FixedNames fixed_names_of(const scenario::Scenario& scenario);

// The default speed: the shortest timer the broker enforces (a queue TTL, x-expires, a
// message's expiration) takes 20 ms of wall-clock time; without one, the run takes about 4 s.
double default_speed(const scenario::Scenario& scenario);

// What a run's clients saw, with the queues declared passively at the end, on any broker.
scenario::RunSide measure_side(const scenario::Scenario& scenario, scenario::Runner& runner,
                               scenario::Observations seen, bool broker_counters_visible);

class RealBrokerRun {
 public:
  RealBrokerRun(const scenario::Scenario& scenario, RealRunOptions options);
  ~RealBrokerRun();

  // Logs in and checks that none of the scenario's fixed names exist. Why not, in one line.
  std::optional<std::string> prepare();
  // Plays the scenario on the wall clock.
  void run();
  scenario::RunSide measure();
  // Deletes the queues and exchanges it created (unless `keep`), then closes its connections.
  void clean_up();

  const scenario::Runner& runner() const { return *runner_; }
  const std::optional<std::string>& lost() const { return client_->lost(); }
  std::size_t open_connections() const { return client_->open_connections(); }
  const std::vector<std::size_t>& connections_per_url() const { return client_->connections_per_url(); }

 private:
  // The channel brokersim's own checks and clean-up use, opened again after an error.
  broker::ChannelKey admin();

  const scenario::Scenario& scenario_;
  RealRunOptions options_;
  std::unique_ptr<net::AmqpBrokerClient> client_;
  scenario::Observations seen_;
  std::unique_ptr<scenario::Runner> runner_;
  broker::ChannelKey admin_{};
  bool prepared_ = false;
};

}  // namespace brokersim::app
