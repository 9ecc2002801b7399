// Questions the engine answers, the judging of a learner's input, exercises and the course map.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "scenario/course.h"
#include "scenario/exercise_grading.h"
#include "scenario/loader.h"
#include "scenario_text.h"
#include "scenario/quiz.h"

using namespace brokersim;
using namespace brokersim::scenario;

namespace {

Scenario load(const std::string& yaml) { return testing::load_scenario(yaml); }

std::string first_error(const std::string& yaml) {
  const LoadResult r = load_scenario_text(yaml, "s.yaml");
  return r.errors.empty() ? "" : r.errors.front().to_string();
}

// A topic exchange with one binding, another added by the timeline at 5 s, and a fanout copy.
const char* kLesson = R"(name: quiz
duration: 20s
broker:
  exchanges: [{name: logs, type: topic}, {name: all, type: fanout}]
  queues: [{name: errors}, {name: audit}, {name: copy, max_length: 1}]
  bindings:
    - {exchange: logs, queue: errors, key: "*.error"}
    - {exchange: all, queue: audit, key: ""}
    - {exchange: all, queue: copy, key: ""}
actors:
  - producer: {name: p, exchange: all, schedule: [1s, 2s], messages: [{routing_key: x}]}
timeline:
  - {at: 5s, bind: {exchange: logs, queue: audit, key: "#"}}
lesson:
  - at: 4s
    ask: {route: {exchange: logs, routing_key: db.error}}
  - at: 6s
    ask: {route: {exchange: logs, routing_key: db.error}}
  - at: 1.5s
    ask: {fate: {message: 1, queue: copy}}
  - at: 1.5s
    ask: {fate: {message: 1, queue: audit}}
  - at: 0s
    ask: {count: {queue: audit, at: 10s}}
  - at: 0s
    ask: {question: "Which?", choice: [one, two], answer: two, explain: Because.}
)";

}  // namespace

TEST_CASE("route answers follow the topology at the moment of asking") {
  const Scenario s = load(kLesson);
  const auto q = answer_questions(s);
  REQUIRE(q.size() == 6);
  CHECK(q[0].answer.text() == "errors");
  CHECK(q[1].answer.text() == "audit, errors");  // the timeline bound audit at 5 s
  CHECK(q[0].known_queues == std::vector<std::string>{"audit", "copy", "errors"});
}

TEST_CASE("fate answers read the run, per copy when a queue is named; count reads the depth then") {
  const Scenario s = load(kLesson);
  const auto q = answer_questions(s);
  CHECK(q[2].answer.text() == "dropped (maxlen)");  // message 2 pushes 1 out of the head of copy
  CHECK(q[3].answer.text() == "stays");             // audit keeps its copy
  CHECK(q[4].answer.text() == "2");
  CHECK(q[5].answer.text() == "b");
  for (const auto& asked : q) CHECK(asked.error.empty());
}

TEST_CASE("judging: names in any order and case, outcome words with or without detail, and input it cannot read") {
  const Scenario s = load(kLesson);  // the answers point into it
  const auto q = answer_questions(s);
  CHECK(judge(q[1], "Errors , AUDIT").correct);
  CHECK_FALSE(judge(q[1], "errors").correct);
  CHECK(judge(q[1], "errors").understood);
  const Judgement unknown = judge(q[1], "errors, nowhere");
  CHECK_FALSE(unknown.understood);
  CHECK(unknown.message.find("no queue named 'nowhere'") != std::string::npos);
  CHECK(judge(q[2], "dropped").correct);
  CHECK(judge(q[2], "Dropped (maxlen)").correct);
  CHECK_FALSE(judge(q[2], "dropped (expired)").correct);
  CHECK_FALSE(judge(q[2], "vanished").understood);
  CHECK(judge(q[4], "2").correct);
  CHECK_FALSE(judge(q[4], "two").understood);
  CHECK(judge(q[5], "TWO").correct);
  CHECK_FALSE(judge(q[5], "c").understood);
  CHECK_FALSE(judge(q[5], "").understood);
  CHECK_FALSE(judge(q[5], std::string(10000, 'x')).understood);
}

TEST_CASE("a question the engine cannot answer is reported, not guessed") {
  std::string yaml = kLesson;
  yaml += "  - at: 1s\n    ask: {fate: 99}\n";
  const Scenario s = load(yaml);
  const auto q = answer_questions(s);
  CHECK(q.back().error.find("message #99 is never published") != std::string::npos);
}

TEST_CASE("ask: mistakes are reported at their line") {
  const std::string head = R"(name: q
broker:
  queues: [{name: a}]
lesson:
  - at: 1s
)";
  CHECK(first_error(head + "    ask: {route: {exchange: nope, routing_key: k}}\n").find("exchange 'nope', which is never declared") != std::string::npos);
  CHECK(first_error(head + "    ask: {fate: 1, count: {queue: a, at: 1s}}\n").find("exactly one of route, fate, count or choice") != std::string::npos);
  CHECK(first_error(head + "    ask: {question: Q, choice: [x, y]}\n").find("needs 'answer'") != std::string::npos);
  CHECK(first_error(head + "    ask: {question: Q, choice: [x, y], answer: z}\n").find("s.yaml:6:") == 0);
  CHECK(first_error(head + "    ask: {fate: 1, answer: a}\n").find("only a choice question has an authored answer") != std::string::npos);
}

TEST_CASE("an exercise: the start fails its checks with their hints, the solution passes") {
  const Scenario s = load(R"(name: ex
duration: 5s
broker:
  exchanges: [{name: logs, type: fanout}]
  queues: [{name: errors}]
  bindings: [{exchange: logs, queue: errors, key: error}]
actors:
  - producer: {name: p, exchange: logs, schedule: [1s, 2s], messages: [{routing_key: info}]}
exercise:
  goal: errors gets no info lines.
  checks:
    - expect: {queues: {errors: {enqueued: 0}}}
      hint: Does a fanout exchange read routing keys?
  solution:
    broker:
      exchanges: [{name: logs, type: direct}]
      queues: [{name: errors}]
      bindings: [{exchange: logs, queue: errors, key: error}]
)");
  REQUIRE(s.exercise);
  const auto start = grade_exercise(s);
  REQUIRE(start.size() == 1);
  CHECK_FALSE(start[0].passed);
  CHECK(start[0].hint == "Does a fanout exchange read routing keys?");
  CHECK(start[0].failures.front() == "queue 'errors' enqueued: expected 0, got 2");
  REQUIRE(s.exercise->solution);
  CHECK(grade_exercise(*s.exercise->solution)[0].passed);
}

TEST_CASE("an exercise keeps its expectations hidden, and a broken solution is reported in it") {
  CHECK(first_error("name: e\nexpect: {published: 1}\nexercise: {goal: g, checks: [], solution: {}}\n")
            .find("put them under exercise: checks:") != std::string::npos);
  const std::string broken = R"(name: e
broker:
  queues: [{name: a}]
exercise:
  goal: g
  checks:
    - {expect: {published: 0}, hint: h}
  solution:
    broker:
      queues: [{name: a, max_length: -1}]
)";
  CHECK(first_error(broken).find("s.yaml:10:") == 0);
}

TEST_CASE("the course map lists modules in order and reports a missing lesson file at its line") {
  const std::string dir = std::string(BROKERSIM_SCENARIOS_DIR);
  const CourseLoad course = load_course_file(dir + "/course.yaml");
  REQUIRE(course.ok());
  REQUIRE(course.course.modules.size() == 5);
  std::size_t lessons = 0;
  for (const auto& m : course.course.modules) lessons += m.lessons.size();
  CHECK(lessons >= 37);
  CHECK(is_course_file(dir + "/course.yaml"));
  CHECK_FALSE(is_course_file(dir + "/topics.yaml"));
  const std::string path = "course_test_missing.yaml";
  std::ofstream(path) << "course: t\nmodules:\n  - title: one\n    lessons:\n      - {title: x, file: no_such.yaml}\n";
  const CourseLoad bad = load_course_file(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors.front().to_string().find("course_test_missing.yaml:5:") == 0);
  std::remove(path.c_str());
}
