// Plays a lesson's questions in the terminal: each is asked at its moment, one answer per
// line is read, and the engine's own answer judges it. Garbage is explained and asked again
// (three tries), and the end of input counts the rest as unanswered: never a hang.
#include "quiz_command.h"

#include <iostream>
#include <string>

#include "scenario/loader.h"
#include "scenario/quiz.h"
#include "trace/describe.h"

namespace brokersim::app {

namespace {

constexpr int kTries = 3;

void print_question(const scenario::AskedQuestion& q, std::ostream& out) {
  out << "\nQ" << q.number << " (at " << trace::format_time(q.moment_us) << ", " << scenario::question_kind_name(q.answer.kind)
      << ")\n";
  if (!q.step->text.empty()) out << "  " << q.step->text << '\n';
  out << "  " << q.prompt << '\n';
  if (q.answer.kind == scenario::Question::Kind::kChoice) {
    for (const auto& option : q.options) out << "    " << option << '\n';
  } else if (q.answer.kind == scenario::Question::Kind::kRoute) {
    out << "  (queue names separated by commas, or none; the queues now:";
    for (const auto& name : q.options) out << ' ' << name;
    out << ")\n";
  } else if (q.answer.kind == scenario::Question::Kind::kFate) {
    out << "  (one of:";
    for (const auto& word : q.options) out << ' ' << word;
    out << ")\n";
  }
}

// Asks until an understood answer or the tries run out; true when right.
bool ask(const scenario::AskedQuestion& q, std::istream& in, std::ostream& out) {
  for (int attempt = 0; attempt < kTries; ++attempt) {
    out << "> " << std::flush;
    std::string line;
    if (!std::getline(in, line)) {
      out << "(no answer: the input ended)\nwrong: the answer is " << q.answer.text() << '\n';
      return false;
    }
    const scenario::Judgement j = scenario::judge(q, line);
    if (!j.understood) {
      out << j.message << (attempt + 1 < kTries ? "; try again\n" : "; counted as wrong\n");
      continue;
    }
    out << j.message << '\n';
    if (!q.step->ask->explanation.empty()) out << "  " << q.step->ask->explanation << '\n';
    return j.correct;
  }
  out << "wrong: the answer is " << q.answer.text() << '\n';
  return false;
}

}  // namespace

int play_quiz(const char* file, bool print_answers, std::istream& in, std::ostream& out) {
  const scenario::LoadResult loaded = scenario::load_scenario_file(file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
    return 2;
  }
  const auto questions = scenario::answer_questions(loaded.scenario);
  for (const auto& q : questions) {
    if (q.error.empty()) continue;
    std::cerr << file << ':' << q.step->ask->at.line << ':' << q.step->ask->at.column << ": the engine cannot answer Q"
              << q.number << ": " << q.error << '\n';
    return 2;
  }
  if (print_answers) {
    for (const auto& q : questions) out << 'Q' << q.number << ": " << q.answer.text() << '\n';
    return 0;
  }
  out << loaded.scenario.name << ": " << questions.size() << (questions.size() == 1 ? " question" : " questions")
      << ". Answer each on one line.\n";
  std::size_t right = 0;
  for (const auto& q : questions) {
    print_question(q, out);
    right += ask(q, in, out) ? 1 : 0;
  }
  out << "score: " << right << '/' << questions.size() << std::endl;
  return 0;
}

int quiz_command(int argc, char** argv) {
  const char* file = nullptr;
  bool answers = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--answers") {
      answers = true;
    } else if (!file && !arg.starts_with("--")) {
      file = argv[i];
    } else {
      std::cerr << "brokersim: unknown option '" << arg << "' for quiz\nusage: brokersim quiz FILE [--answers]\n";
      return 2;
    }
  }
  if (!file) {
    std::cerr << "usage: brokersim quiz FILE [--answers]\n";
    return 2;
  }
  return play_quiz(file, answers, std::cin, std::cout);
}

}  // namespace brokersim::app
