#pragma once
// The answers to a lesson's questions, computed by the engine: route and count questions from
// the broker as it stands at the moment they are asked (the scenario played up to then), fate
// questions from the recorded run. An author writes the question; the simulation knows the
// answer, so a lesson cannot teach a wrong one.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace brokersim::scenario {

struct Answer {
  Question::Kind kind = Question::Kind::kChoice;
  std::vector<std::string> queues;  // route: sorted
  std::string outcome;              // fate: delivered, acked, requeued, dead-lettered, expired, dropped, returned, lost, stays
  std::string detail;               // fate: the consumer, or the reason
  std::int64_t count = 0;           // count
  std::size_t choice = 0;           // choice
  // The answer in the words `judge` accepts: "a, b", "dead-lettered (rejected)", "3", "b".
  std::string text() const;
};

struct AskedQuestion {
  const LessonStep* step = nullptr;
  std::size_t number = 0;     // 1-based, in lesson order
  sim::TimeUs moment_us = 0;  // when playback stops for it
  std::string prompt;         // authored, or made from the question's fields
  std::vector<std::string> options;      // what the learner may answer with, for display
  std::vector<std::string> known_queues;  // route: the queues that exist at the moment
  Answer answer;
  std::string error;  // why the engine could not answer it (the exchange is gone, say); empty if fine
};

// Which message of the run a question's "message #N" means. The lesson quotes the broker's
// numbers; a front end that keeps numbers stable across edits (the GUI) maps them back.
using MessageLookup = std::function<std::uint64_t(std::uint64_t quoted)>;

// Every `ask:` of the scenario's lesson, in order, with its answer. The questions point into
// the scenario's lesson: keep it alive while they are used.
std::vector<AskedQuestion> answer_questions(const Scenario& scenario, const MessageLookup& message_in_run = {});

struct Judgement {
  bool understood = false;  // false: the input is not an answer of this kind; `message` says why
  bool correct = false;
  std::string message;
};

// One line of the learner's input against the question: queue names separated by commas
// ("none" for no queue), an outcome word, a number, or a choice's letter or text.
Judgement judge(const AskedQuestion& question, std::string_view input);

// "route", "fate", "count" or "choice".
std::string_view question_kind_name(Question::Kind kind);

}  // namespace brokersim::scenario
