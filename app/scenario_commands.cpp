#include "scenario_commands.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "scenario/definitions_export.h"
#include "scenario/definitions_import.h"
#include "scenario/course.h"
#include "scenario/exercise_grading.h"
#include "scenario/expectations.h"
#include "scenario/lesson.h"
#include "scenario/loader.h"
#include "scenario/quiz.h"
#include "scenario/topology.h"
#include "scenario/runner.h"
#include "scenario/units.h"
#include "trace/describe.h"
#include "trace/fingerprint.h"
#include "trace/jsonl_writer.h"
#include "whole_number.h"

namespace brokersim::app {
namespace {

using scenario::LoadResult;

// Exit codes: 0 fine, 1 expectations failed, 2 bad input (as the course's tooling expects).
constexpr int kExitFailedExpectations = 1;
constexpr int kExitBadInput = 2;

bool print_errors(const LoadResult& loaded) {
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  return loaded.ok();
}

using ull = unsigned long long;

void print_exchanges(const broker::Broker& b) {
  std::printf("\n%-24s %10s %10s %10s %10s\n", "exchange", "published", "routed", "unroutable", "returned");
  for (const auto& [name, x] : b.exchanges()) {
    std::printf("%-24s %10llu %10llu %10llu %10llu\n", name.empty() ? "(default)" : name.c_str(), ull(x->published_count),
                ull(x->published_count - x->unroutable_count), ull(x->unroutable_count), ull(x->returned_count));
  }
}

void print_queue_row(const std::string& name, const broker::QueueCounters& c, std::size_t depth, const std::string& note) {
  const auto* r = c.dead_lettered_by_reason;
  char reasons[64];
  std::snprintf(reasons, sizeof reasons, "%llu/%llu/%llu/%llu", ull(r[0]), ull(r[1]), ull(r[2]), ull(r[3]));
  std::printf("%-24s %9llu %9llu %9llu %9llu %9llu %20s %9llu %7zu%s\n", name.c_str(), ull(c.enqueued), ull(c.delivered),
              ull(c.acked), ull(c.requeued), ull(c.expired), reasons, ull(c.max_depth), depth, note.c_str());
}

void print_queues(const scenario::Runner& runner) {
  std::printf("\n%-24s %9s %9s %9s %9s %9s %20s %9s %7s\n", "queue", "enqueued", "delivered", "acked", "requeued",
              "expired", "dead-lettered (r/e/m/d)", "max depth", "depth");
  for (const auto& [name, q] : runner.broker().queues()) print_queue_row(name, q->counters(), q->ready_count(), "");
  for (const auto& [name, gone] : runner.deleted_queues()) {
    if (runner.broker().find_queue(name)) continue;  // declared again since
    print_queue_row(name, gone.counters, 0, "  (deleted at " + trace::format_time(gone.deleted_at_us) + ")");
  }
  std::printf("(requeued: put back in the queue for any reason, a nack or reject with requeue or a channel that closed\n"
              " with it unacked; dead-lettered by reason: rejected / expired / maxlen / delivery_limit)\n");
}

void print_consumers(const scenario::Runner& runner) {
  const auto consumers = runner.consumer_stats();
  bool any = false;
  for (const auto& [name, s] : consumers) any |= s.requests == 0;
  if (!any) return;
  std::printf("\n%-24s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "consumer", "received", "processed", "acked", "nack+rq",
              "nacked", "rejected", "lost", "published", "parked");
  for (const auto& [name, s] : consumers) {
    if (s.requests) continue;  // RPC clients get their own table
    std::printf("%-24s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu\n", name.c_str(), ull(s.received),
                ull(s.processed), ull(s.acked), ull(s.requeued), ull(s.nacked), ull(s.rejected), ull(s.lost),
                ull(s.published), ull(s.parked));
  }
  std::printf("(nack+rq: this consumer's nacks with requeue and its own republished retries; lost: auto-acked\n"
              " messages it still had when its application died)\n");
}

// Confirming producers: what the broker answered.
void print_producers(const scenario::Runner& runner) {
  const auto producers = runner.producer_stats();
  bool any = false;
  for (const auto& [name, st] : producers) any |= st.confirmed + st.nacked + st.returned > 0;
  if (!any) return;
  std::printf("\n%-24s %10s %10s %10s %10s\n", "producer", "published", "confirmed", "nacked", "returned");
  for (const auto& [name, st] : producers)
    std::printf("%-24s %10llu %10llu %10llu %10llu\n", name.c_str(), ull(st.published), ull(st.confirmed), ull(st.nacked), ull(st.returned));
}

void print_rpc_clients(const scenario::Runner& runner) {
  const auto consumers = runner.consumer_stats();
  bool any_rpc = false;
  for (const auto& [name, st] : consumers) any_rpc |= st.requests > 0;
  if (!any_rpc) return;
  std::printf("\n%-24s %10s %10s %10s %8s %6s %10s %14s %14s\n", "rpc client", "requests", "replies", "timeouts", "resent",
              "late", "duplicate", "mean rtt", "max rtt");
  for (const auto& [name, st] : consumers) {
    if (!st.requests) continue;
    const sim::TimeUs mean = st.replies ? st.round_trip_total_us / static_cast<sim::TimeUs>(st.replies) : 0;
    std::printf("%-24s %10llu %10llu %10llu %8llu %6llu %10llu %14s %14s\n", name.c_str(), ull(st.requests), ull(st.replies),
                ull(st.timeouts), ull(st.resent), ull(st.late_replies), ull(st.duplicate_replies), trace::format_time(mean).c_str(),
                trace::format_time(st.round_trip_max_us).c_str());
  }
}

// "nothing lost: yes", or what was lost and where.
std::string lost_summary(const scenario::Runner& runner) {
  if (runner.nothing_lost()) return "yes";
  std::string out = "NO";
  if (!runner.broker().nothing_lost()) out += " (the broker's copies do not add up)";
  for (const scenario::Loss& loss : runner.losses()) {
    out += "; " + std::to_string(loss.count) + " lost: in auto-ack consumer '" + loss.consumer + "' when it " + loss.how +
           " at " + trace::format_time(loss.at_us);
  }
  return out;
}

void print_summary(const scenario::Runner& runner) {
  const auto& b = runner.broker();
  print_exchanges(b);
  print_queues(runner);
  print_consumers(runner);
  print_producers(runner);
  print_rpc_clients(runner);
  if (!runner.errors().empty()) {
    std::printf("\n%zu channel or connection error(s):\n", runner.errors().size());
    for (const scenario::RunError& e : runner.errors()) {
      std::printf("  [%s] %s: %d %s\n", trace::format_time(e.time_us).c_str(), e.who.c_str(), static_cast<int>(e.code),
                  e.text.c_str());
    }
  }
  const auto& a = b.accounting();
  std::printf("\n%llu published, %llu unroutable, %llu copies enqueued, %llu acked, %llu dead-lettered, %llu dropped; "
              "nothing lost: %s\n",
              ull(a.published), ull(a.unroutable), ull(a.copies_enqueued), ull(a.copies_acked), ull(a.copies_dead_lettered),
              ull(a.copies_dropped), lost_summary(runner).c_str());
}

void print_seen_queues(const scenario::RunSide& seen) {
  std::printf("\n%-24s %9s %11s %9s %9s %9s %9s\n", "queue", "delivered", "redelivered", "acked", "nacked", "depth",
              "consumers");
  for (const auto& [name, end] : seen.queues_at_end) {
    const auto it = seen.seen.queues.find(name);
    const scenario::QueueSeen q = it == seen.seen.queues.end() ? scenario::QueueSeen{} : it->second;
    const std::string depth = end ? std::to_string(end->message_count) : "gone";
    const std::string consumers = end ? std::to_string(end->consumer_count) : "-";
    std::printf("%-24s %9llu %11llu %9llu %9llu %9s %9s\n", name.c_str(), ull(q.delivered), ull(q.redelivered), ull(q.acked),
                ull(q.nacked), depth.c_str(), consumers.c_str());
  }
  std::printf("(as the clients saw them: deliveries to the scenario's actors, their acks and nacks, and a passive\n"
              " declare at the end for depth and consumers)\n");
}

// Prints every event as it happens, and the lesson's steps as they come due.
class LogPrinter final : public trace::Sink {
  // A step's text, or that it asks a question (brokersim quiz asks it).
  static void print(sim::TimeUs at, const scenario::LessonStep& step) {
    if (!step.text.empty()) std::cout << '[' << trace::format_time(at) << "] lesson: " << step.text << '\n';
    if (step.ask) std::cout << '[' << trace::format_time(at) << "] lesson: a question (brokersim quiz asks it)\n";
  }

 public:
  explicit LogPrinter(const std::vector<scenario::LessonStep>& lesson) : lesson_(lesson) {}
  void on_event(const trace::Event& e) override {
    for (const scenario::LessonStep* step : lesson_.on_event(e)) {
      // A timed step comes due at the first event after its time; it is stamped with its own.
      print(step->when ? e.time_us : step->at_us, *step);
    }
    std::cout << '[' << trace::format_time(e.time_us) << "] " << trace::describe(e) << '\n';
  }
  void finish(sim::TimeUs end_us) {
    for (const scenario::LessonStep* step : lesson_.finish(end_us)) print(step->at_us, *step);
  }

 private:
  scenario::LessonFollower lesson_;
};

}  // namespace

namespace {

// The scenario files the arguments name: a course map stands for every lesson it lists, in
// course order. A broken course map is reported and sets `bad_input`.
std::vector<std::string> scenario_files(int argc, char** argv, bool& bad_input) {
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    if (!scenario::is_course_file(argv[i])) {
      files.emplace_back(argv[i]);
      continue;
    }
    const scenario::CourseLoad course = scenario::load_course_file(argv[i]);
    for (const auto& e : course.errors) std::cerr << e.to_string() << '\n';
    bad_input |= !course.ok();
    for (const auto& m : course.course.modules)
      for (const auto& l : m.lessons) files.push_back(l.path);
  }
  return files;
}

}  // namespace

void print_drive_summary(const scenario::Runner& runner, const scenario::RunSide& seen) {
  print_seen_queues(seen);
  print_consumers(runner);
  print_producers(runner);
  print_rpc_clients(runner);
  if (!seen.errors.empty()) {
    std::printf("\n%zu channel or connection error(s):\n", seen.errors.size());
    for (const std::string& e : seen.errors) std::printf("  %s\n", e.c_str());
  }
  std::printf("\n%llu publishes sent by the actors\n", ull(seen.seen.publishes));
}

int validate_command(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: brokersim validate FILE...\n";
    return kExitBadInput;
  }
  bool bad_input = false;
  for (const std::string& file : scenario_files(argc, argv, bad_input)) {
    const LoadResult loaded = scenario::load_scenario_file(file);
    if (print_errors(loaded)) {
      std::cout << file << ": ok (" << loaded.scenario.queues.size() << " queues, "
                << loaded.scenario.producers.size() + loaded.scenario.consumers.size() + loaded.scenario.rpc_clients.size()
                << " actors)\n";
    } else {
      bad_input = true;
    }
  }
  return bad_input ? kExitBadInput : 0;
}

namespace {

struct RunRequest {
  std::string file, trace_path;
  scenario::RunOptions options;
  bool quiet = false;
};

// Returns the request, or nullopt after saying what is wrong.
std::optional<RunRequest> parse_run(int argc, char** argv) {
  RunRequest r;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--seed") {
      const char* v = value();
      const auto seed = v ? parse_whole_number(v) : std::nullopt;
      if (!seed) {
        std::cerr << "brokersim: --seed needs a non-negative integer\n";
        return std::nullopt;
      }
      r.options.seed = *seed;
    } else if (arg == "--until") {
      const char* v = value();
      auto until = v ? scenario::parse_duration(v) : std::nullopt;
      if (!until) {
        std::cerr << "brokersim: --until needs a duration such as 30s\n";
        return std::nullopt;
      }
      r.options.until_us = until;
    } else if (arg == "--trace") {
      const char* v = value();
      if (!v) {
        std::cerr << "brokersim: --trace needs a file name\n";
        return std::nullopt;
      }
      r.trace_path = v;
    } else if (arg == "--quiet") {
      r.quiet = true;
    } else if (r.file.empty() && !arg.starts_with("--")) {
      r.file = arg;
    } else {
      std::cerr << "brokersim: unknown option '" << arg << "' for run\n";
      return std::nullopt;
    }
  }
  if (r.file.empty()) {
    std::cerr << "usage: brokersim run FILE [--seed N] [--until T] [--trace out.jsonl] [--quiet]\n";
    return std::nullopt;
  }
  return r;
}

}  // namespace

int run_command(int argc, char** argv) {
  auto request = parse_run(argc, argv);
  if (!request) return kExitBadInput;
  const std::string& file = request->file;
  const std::string& trace_path = request->trace_path;
  scenario::RunOptions& options = request->options;
  const bool quiet = request->quiet;
  const LoadResult loaded = scenario::load_scenario_file(file);
  if (!print_errors(loaded)) return kExitBadInput;

  trace::Fingerprint fingerprint;
  LogPrinter printer(loaded.scenario.lesson);
  std::ofstream trace_file;
  std::unique_ptr<trace::JsonlWriter> jsonl;
  options.sinks.push_back(&fingerprint);
  if (!quiet) options.sinks.push_back(&printer);
  if (!trace_path.empty()) {
    trace_file.open(trace_path);
    if (!trace_file) {
      std::cerr << "brokersim: cannot write '" << trace_path << "'\n";
      return kExitBadInput;
    }
    jsonl = std::make_unique<trace::JsonlWriter>(trace_file);
    options.sinks.push_back(jsonl.get());
  }
  // A progress line on stderr every second of wall time, for long runs.
  const auto started = std::chrono::steady_clock::now();
  auto last = started;
  options.progress = [&](sim::TimeUs now_us, std::uint64_t events) {
    const auto wall = std::chrono::steady_clock::now();
    if (wall - last < std::chrono::seconds(1)) return;
    last = wall;
    std::cerr << "progress: simulated " << trace::format_time(now_us) << ", " << events << " events\n";
  };
  // The header comes before the events: the runner logs its topology as it is built.
  const std::uint64_t seed = options.seed.value_or(loaded.scenario.seed);
  std::cout << "scenario: " << loaded.scenario.name << ", seed " << seed << " (reproduce with: brokersim run " << file
            << " --seed " << seed << ")\n";
  scenario::Runner runner(loaded.scenario, options);
  runner.run();
  if (!quiet) printer.finish(runner.end_us());
  print_summary(runner);
  std::cout << "fingerprint: " << fingerprint.hex() << std::endl;
  return 0;
}

namespace {

std::string where(const char* file, scenario::Position at) {
  return std::string(file) + ':' + std::to_string(at.line) + ':' + std::to_string(at.column) + ": ";
}

// Every way a finished run falls short of its scenario: expectations (with an exercise's hint),
// undeclared errors, declared errors that did not happen, and lesson steps that never came.
std::vector<std::string> run_problems(const char* file, const scenario::Scenario& s, const scenario::Runner& runner,
                                      const scenario::LessonFollower& lesson) {
  std::vector<std::string> out;
  for (const auto& r : scenario::check_expectations(s, runner)) {
    if (r.passed) continue;
    const auto& e = *r.expectation;
    out.push_back(where(file, e.at) + "expected " + (e.name.empty() ? "" : e.name + " ") + e.metric + " = " +
                  std::to_string(e.value) + (e.at_us ? " at " + trace::format_time(*e.at_us) : "") + ", got " +
                  std::to_string(r.actual) + (e.hint.empty() ? "" : "; hint: " + e.hint));
  }
  const scenario::ErrorCheck errors = scenario::check_errors(s, runner);
  for (const scenario::RunError* e : errors.undeclared) {
    const std::string code = std::to_string(static_cast<int>(e->code));
    out.push_back(where(file, e->at) + "at " + trace::format_time(e->time_us) + ' ' + e->who + " met " + code + ' ' + e->text +
                  "; if the lesson shows this on purpose, declare it: expect: {errors: [{code: " + code +
                  ", at: " + trace::format_time(e->time_us) + "}]}");
  }
  for (const scenario::ExpectedError* e : errors.never_happened) {
    out.push_back(where(file, e->at) + "expected error " + std::to_string(e->code) +
                  (e->at_us ? " at " + trace::format_time(*e->at_us) : "") + (e->actor.empty() ? "" : " for " + e->actor) +
                  " did not happen");
  }
  for (const scenario::LessonStep* step : lesson.never_shown(runner.end_us())) {
    out.push_back(where(file, step->at) + "this lesson step never came: " +
                  (step->when ? "no '" + step->when->event + "' event matched its 'when'" : "it is after the end of the run"));
  }
  return out;
}

// Plays one scenario and returns every way it fails, its questions' included.
std::vector<std::string> scenario_problems(const char* file, const scenario::Scenario& s, std::uint64_t* seed = nullptr) {
  scenario::LessonFollower lesson(s.lesson);
  struct Follow final : trace::Sink {
    scenario::LessonFollower& lesson;
    explicit Follow(scenario::LessonFollower& l) : lesson(l) {}
    void on_event(const trace::Event& e) override { (void)lesson.on_event(e); }
  } follow(lesson);
  scenario::Runner runner(s, {.sinks = {&follow}});
  runner.run();
  if (seed) *seed = runner.seed();
  std::vector<std::string> out = run_problems(file, s, runner, lesson);
  for (const auto& q : scenario::answer_questions(s)) {
    if (!q.error.empty()) out.push_back(where(file, q.step->ask->at) + "the engine cannot answer Q" + std::to_string(q.number) + ": " + q.error);
  }
  return out;
}

std::string counted(std::size_t n, const char* one, const char* many) { return std::to_string(n) + ' ' + (n == 1 ? one : many); }

// An exercise is sound when its start fails the hidden checks and its solution passes all.
int check_exercise(const char* file, const scenario::Scenario& s) {
  std::vector<std::string> problems;
  const auto graded = scenario::grade_exercise(s);
  const auto start_failures = static_cast<std::size_t>(std::count_if(graded.begin(), graded.end(), [](const auto& c) { return !c.passed; }));
  if (start_failures == 0) problems.push_back(where(file, s.exercise->at) + "the exercise's start already passes every check: there is nothing to do");
  for (auto& p : scenario_problems(file, *s.exercise->solution)) problems.push_back(p + " (in the solution)");
  for (const auto& p : problems) std::cerr << p << '\n';
  if (problems.empty()) {
    std::cout << file << ": ok: exercise: the start fails " << counted(start_failures, "check", "checks") << " of "
              << graded.size() << ", the solution passes all\n";
  }
  return static_cast<int>(problems.size());
}

int check_one(const char* file, const scenario::Scenario& s) {
  if (s.exercise) return check_exercise(file, s);
  std::uint64_t seed = 0;
  const auto problems = scenario_problems(file, s, &seed);
  for (const auto& p : problems) std::cerr << p << '\n';
  if (!problems.empty()) {
    std::cerr << file << ": " << problems.size() << " check(s) failed; reproduce with: brokersim run " << file << " --seed " << seed << '\n';
    return static_cast<int>(problems.size());
  }
  std::size_t questions = 0;
  for (const auto& step : s.lesson) questions += step.ask ? 1 : 0;
  std::cout << file << ": ok: " << counted(s.expectations.size(), "expectation holds", "expectations hold") << ", "
            << (s.expected_errors.empty() ? std::string("no errors")
                                          : counted(s.expected_errors.size(), "error", "errors") + " as declared and no other")
            << ", " << counted(s.lesson.size(), "lesson step came", "lesson steps came")
            << (questions ? ", " + counted(questions, "question", "questions") + " answered" : "") << '\n';
  return 0;
}

}  // namespace

int check_command(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: brokersim check FILE...\n";
    return kExitBadInput;
  }
  bool bad_input = false, failed = false;
  for (const std::string& file : scenario_files(argc, argv, bad_input)) {
    const LoadResult loaded = scenario::load_scenario_file(file);
    if (!print_errors(loaded)) {
      bad_input = true;
      continue;
    }
    failed |= check_one(file.c_str(), loaded.scenario) > 0;
  }
  if (bad_input) return kExitBadInput;
  return failed ? kExitFailedExpectations : 0;
}

}  // namespace brokersim::app

namespace brokersim::app {

namespace {

// explain's output: each binding tried, matched or not, and the queues reached.
void print_route(const std::string& exchange, const std::string& key, const broker::BasicProperties& properties,
                 const broker::RouteResult& route) {
  std::cout << "routing key '" << key << "' published to " << (exchange.empty() ? "the default exchange" : "exchange '" + exchange + "'");
  if (properties.headers) std::cout << " with headers " << broker::to_display(*properties.headers);
  std::cout << ":\n";
  for (const auto& step : route.explanation->steps) {
    std::cout << "  " << (step.matched ? "[match]    " : "[no match] ") << "at '" << step.source << "': ";
    if (step.alternate) {
      std::cout << "nothing matched, so on to alternate exchange '" << step.destination << "'"
                << (step.matched ? "" : " (missing, or already visited)");
    } else {
      std::cout << (step.arguments.empty() ? "binding key '" + step.binding_key + "'" : "binding " + step.arguments)
                << (step.to_exchange ? " -> exchange '" : " -> queue '") << step.destination << "'";
    }
    std::cout << '\n';
  }
  const auto& queues = route.queues;
  if (queues.empty()) {
    std::cout << "result: routed to no queue (unroutable: dropped, or returned if mandatory)\n";
  } else {
    std::cout << "result: one copy each to";
    for (const broker::Queue* q : queues) std::cout << " '" << q->name() << "'";
    std::cout << '\n';
  }
}

}  // namespace

namespace {

struct ExplainRequest {
  std::string file, exchange, key;
  bool have_exchange = false, have_key = false;
  sim::TimeUs at_us = 0;
  broker::BasicProperties properties;
};

// Returns the request, or nullopt after saying what is wrong.
std::optional<ExplainRequest> parse_explain(int argc, char** argv) {
  ExplainRequest r;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if ((arg == "--exchange" || arg == "--key" || arg == "--header" || arg == "--at") && !has_value) {
      std::cerr << "brokersim: " << arg << " needs a value\n";
      return std::nullopt;
    }
    if (arg == "--exchange") {
      r.exchange = argv[++i];
      r.have_exchange = true;
    } else if (arg == "--key") {
      r.key = argv[++i];
      r.have_key = true;
    } else if (arg == "--at") {
      const auto at = scenario::parse_duration(argv[++i]);
      if (!at) {
        std::cerr << "brokersim: --at needs a time such as 12s\n";
        return std::nullopt;
      }
      r.at_us = *at;
    } else if (arg == "--header") {
      const std::string kv = argv[++i];
      const auto eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << "brokersim: --header needs name=value\n";
        return std::nullopt;
      }
      if (!r.properties.headers) r.properties.headers.emplace();
      r.properties.headers->emplace_back(kv.substr(0, eq), broker::FieldValue(kv.substr(eq + 1)));
    } else if (r.file.empty() && !arg.starts_with("--")) {
      r.file = arg;
    } else {
      std::cerr << "brokersim: unknown option '" << arg << "' for explain\n";
      return std::nullopt;
    }
  }
  if (r.file.empty() || !r.have_exchange) {
    std::cerr << "usage: brokersim explain FILE --exchange X --key K [--header name=value ...] [--at T]\n";
    return std::nullopt;
  }
  if (!r.have_key) {
    // An omitted key silently meaning '' hid typos; the empty key is a choice to spell out.
    std::cerr << "brokersim explain: --key is required (use --key '' for the empty routing key)\n";
    return std::nullopt;
  }
  return r;
}

}  // namespace

// Routes one message against the topology as it stands at --at (default 0s): the scenario is
// played up to then, so timeline binds, deletions and consumers' own queues count.
int explain_command(int argc, char** argv) {
  const auto request = parse_explain(argc, argv);
  if (!request) return kExitBadInput;
  const LoadResult loaded = scenario::load_scenario_file(request->file);
  if (!print_errors(loaded)) return kExitBadInput;
  if (request->at_us > loaded.scenario.duration_us) {
    std::cerr << "brokersim explain: --at " << trace::format_time(request->at_us) << " is after the scenario ends ("
              << trace::format_time(loaded.scenario.duration_us) << ")\n";
    return kExitBadInput;
  }
  scenario::Runner runner(loaded.scenario, {.until_us = request->at_us});
  runner.run();
  auto result = runner.live_broker().explain_route(request->exchange, request->key, request->properties);
  if (!result.ok()) {
    std::cerr << "brokersim: at " << trace::format_time(request->at_us) << ": " << result.error().text << '\n';
    return kExitBadInput;
  }
  std::cout << "the topology at " << trace::format_time(request->at_us) << ":\n";
  print_route(request->exchange, request->key, request->properties, result.value());
  return 0;
}

int export_definitions_command(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: brokersim export-definitions FILE\n";
    return kExitBadInput;
  }
  const LoadResult loaded = scenario::load_scenario_file(argv[2]);
  if (!print_errors(loaded)) return kExitBadInput;
  std::vector<std::string> warnings;
  std::cout << scenario::export_definitions(loaded.scenario, warnings);
  for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
  return 0;
}

}  // namespace brokersim::app

namespace brokersim::app {

int import_definitions_command(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: brokersim import-definitions defs.json > scenario.yaml\n";
    return kExitBadInput;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::cerr << argv[2] << ":1:1: cannot open the file\n";
    return kExitBadInput;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const scenario::ImportResult result = scenario::import_definitions(text.str(), std::string("Imported from ") + argv[2]);
  if (!result.error.empty()) {
    std::cerr << argv[2] << ": " << result.error << '\n';
    return kExitBadInput;
  }
  for (const auto& w : result.warnings) std::cerr << "warning: " << w << '\n';
  std::cout << result.yaml;
  return 0;
}

}  // namespace brokersim::app
