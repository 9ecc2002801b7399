#pragma once
// brokersim quiz FILE [--answers]: a lesson's questions in the terminal.
#include <iosfwd>

namespace brokersim::app {

int quiz_command(int argc, char** argv);
// The quiz itself, on any streams (the tests feed it answers).
int play_quiz(const char* file, bool print_answers, std::istream& in, std::ostream& out);

}  // namespace brokersim::app
