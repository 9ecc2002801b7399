#pragma once
// brokersim serve: the broker on a real AMQP 0-9-1 port, in real time.
namespace brokersim::app {

int serve_command(int argc, char** argv);

}  // namespace brokersim::app
