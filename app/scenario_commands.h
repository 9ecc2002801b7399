#pragma once
// The scenario commands of the brokersim CLI: run, validate, check.
namespace brokersim::app {

int run_command(int argc, char** argv);       // brokersim run FILE [--seed N] [--until T] [--trace F]
int validate_command(int argc, char** argv);  // brokersim validate FILE...
int check_command(int argc, char** argv);     // brokersim check FILE...

}  // namespace brokersim::app
