// Memory: 1,000,000 ready messages of 100 bytes in one queue; reports peak RSS.
// Target: under 180 MB. Run a Release build: `make bench`.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "broker/broker.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

using namespace brokersim;
using namespace brokersim::broker;

namespace {

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // kilobytes on Linux
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  const long baseline_kb = peak_rss_kb();
  sim::SimClock clock;
  sim::Scheduler scheduler(clock);
  sim::Rng rng(1);
  trace::Tracer tracer(clock);
  trace::CountingSink counter;
  tracer.add_sink(&counter);
  Broker broker(scheduler, rng, tracer);
  ChannelKey ch{broker.open_connection("publisher", nullptr), 1};
  (void)broker.channel_open(ch);
  (void)broker.queue_declare(ch, {.name = "backlog"});
  const std::string body(100, 'x');
  for (int i = 0; i < messages; ++i) {
    Publish p;
    p.routing_key = "backlog";
    p.body = body;
    (void)broker.basic_publish(ch, p);
  }
  const Queue* q = broker.find_queue("backlog");
  const long peak_kb = peak_rss_kb();
  std::printf("brokersim memory: %zu ready messages of %zu bytes in one queue\n", q->ready_count(), body.size());
  std::printf("peak RSS %.1f MB (process baseline %.1f MB), %.0f bytes per message\n", peak_kb / 1024.0,
              baseline_kb / 1024.0, (peak_kb - baseline_kb) * 1024.0 / messages);
  std::printf("target: under 180 MB -> %s\n", peak_kb < 180 * 1024 ? "met" : "MISSED");
  return peak_kb < 180 * 1024 ? 0 : 1;
}
