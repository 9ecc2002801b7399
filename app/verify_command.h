#pragma once
// brokersim verify FILE --against URL: the scenario played in simulated time (the prediction)
// and then by the same actors against a real RabbitMQ, compared quantity by quantity.
// brokersim drive FILE --against URL...: the actors alone, as a load on a real broker or cluster.
namespace brokersim::app {

int verify_command(int argc, char** argv);
int drive_command(int argc, char** argv);

}  // namespace brokersim::app
