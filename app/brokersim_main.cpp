// brokersim: the command-line front end of the engine.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "demo.h"
#include "quiz_command.h"
#include "scenario_commands.h"
#include "serve_command.h"
#include "verify_command.h"
#include "whole_number.h"

namespace {

constexpr std::string_view kUsage =
    "usage: brokersim <command> [options]\n"
    "\n"
    "commands:\n"
    "  demo [--seed N] [--trace FILE.jsonl] [--quiet]\n"
    "      Run the built-in order-system demo in simulated time: a topic exchange, a direct\n"
    "      exchange with mandatory publishes, workers with prefetch, acks and requeues.\n"
    "      Prints every event in plain words, then 'fingerprint: <hex>'. The same seed\n"
    "      always gives the same fingerprint.\n"
    "  run FILE [--seed N] [--until T] [--trace FILE.jsonl] [--quiet]\n"
    "      Run a scenario in simulated time: the event log, a summary table, then\n"
    "      'fingerprint: <hex>'.\n"
    "  validate FILE...\n"
    "      Check scenario files; errors are printed as file:line:col: message (exit 2).\n"
    "  check FILE...\n"
    "      Run each scenario and evaluate its expect: block (exit 1 if any fails).\n"
    "  quiz FILE [--answers]\n"
    "      Ask the lesson's questions in the terminal, one answer per line: queue names\n"
    "      separated by commas, an outcome word, a number, or a choice's letter. The engine\n"
    "      computes the answers; the last line is 'score: R/N'. --answers prints them.\n"
    "  explain FILE --exchange X --key K [--header name=value ...] [--at T]\n"
    "      Show how the scenario's topology routes one message: every binding tried,\n"
    "      matched or not, exchange-to-exchange hops, the alternate exchange, the queues.\n"
    "  export-definitions FILE\n"
    "      Print the scenario's topology as RabbitMQ definitions JSON.\n"
    "  import-definitions defs.json\n"
    "      Print a scenario YAML with the topology of RabbitMQ definitions (policies applied).\n"
    "  serve [--listen HOST:PORT ...] [--scenario FILE] [--users FILE] [--log-events]\n"
    "      Serve AMQP 0-9-1 on a real port in real time (default 127.0.0.1:5672 and\n"
    "      [::1]:5672), so pika, amqplib or rabbitmq-c programs can connect.\n"
    "  verify FILE --against URL [--speed X] [--seed N] [--keep] [--restart-command CMD]\n"
    "      Play the scenario in simulated time (the prediction), then run the same actors\n"
    "      against a real RabbitMQ (amqp://user:password@host:port/vhost) and compare them\n"
    "      side by side. Exit 0 when they agree, 1 when they differ, 2 when it cannot run.\n"
    "  drive FILE --against URL [--against URL ...] [--speed X] [--seed N] [--keep]\n"
    "      Run the scenario's actors against a real broker or cluster as a load, with a\n"
    "      live progress line and the summary tables.\n"
    "  help\n"
    "      Show this text.\n";

int usage_error(const std::string& message) {
  std::cerr << "brokersim: " << message << "\n\n" << kUsage;
  return 2;
}

int run_demo_command(int argc, char** argv) {
  brokersim::app::DemoOptions options;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next = [&](std::string_view flag) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)flag;
      return argv[++i];
    };
    if (arg == "--seed") {
      const char* v = next(arg);
      const auto seed = v ? brokersim::app::parse_whole_number(v) : std::nullopt;
      if (!seed) return usage_error("--seed needs a non-negative integer");
      options.seed = *seed;
    } else if (arg == "--trace") {
      const char* v = next(arg);
      if (!v) return usage_error("--trace needs a file name");
      options.trace_path = v;
    } else if (arg == "--quiet") {
      options.print_log = false;
    } else {
      return usage_error("unknown option '" + std::string(arg) + "' for demo");
    }
  }
  std::cout << "brokersim demo, seed " << options.seed << " (reproduce with --seed " << options.seed << ")\n\n";
  try {
    const std::string fingerprint = brokersim::app::run_demo(options, std::cout);
    std::cout << "fingerprint: " << fingerprint << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "brokersim: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("no command given");
  const std::string_view command = argv[1];
  if (command == "demo") return run_demo_command(argc, argv);
  if (command == "run") return brokersim::app::run_command(argc, argv);
  if (command == "serve") return brokersim::app::serve_command(argc, argv);
  if (command == "validate") return brokersim::app::validate_command(argc, argv);
  if (command == "check") return brokersim::app::check_command(argc, argv);
  if (command == "quiz") return brokersim::app::quiz_command(argc, argv);
  if (command == "explain") return brokersim::app::explain_command(argc, argv);
  if (command == "export-definitions") return brokersim::app::export_definitions_command(argc, argv);
  if (command == "import-definitions") return brokersim::app::import_definitions_command(argc, argv);
  if (command == "verify") return brokersim::app::verify_command(argc, argv);
  if (command == "drive") return brokersim::app::drive_command(argc, argv);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  return usage_error("unknown command '" + std::string(command) + "'");
}
