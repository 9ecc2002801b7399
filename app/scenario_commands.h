#pragma once
// The scenario commands of the brokersim CLI: run, validate, check.
#include "scenario/runner.h"
#include "scenario/verification.h"

namespace brokersim::app {

// `drive`'s summary: run's tables of consumers, producers and RPC clients, then each queue as
// the clients saw it (the broker's own counters are not on the wire).
void print_drive_summary(const scenario::Runner& runner, const scenario::RunSide& seen);

int run_command(int argc, char** argv);       // brokersim run FILE [--seed N] [--until T] [--trace F]
int validate_command(int argc, char** argv);  // brokersim validate FILE...
int check_command(int argc, char** argv);     // brokersim check FILE...
int explain_command(int argc, char** argv);   // brokersim explain FILE --exchange X --key K [--header k=v]
int export_definitions_command(int argc, char** argv);  // brokersim export-definitions FILE
int import_definitions_command(int argc, char** argv);  // brokersim import-definitions defs.json

}  // namespace brokersim::app
