// Compiled by the tests, not built into anything: reading a method argument by a name the
// spec does not give it, or as the wrong type, must not compile (see method_args.h).
// MISSPELT and WRONG_TYPE select the two mistakes; with neither, the file must compile.
#include "amqp/method_args.h"

using namespace brokersim::amqp;

bool durable(const Method& method) { return args_of<kQueueDeclare>(method).flag<"durable">(); }

#ifdef MISSPELT
const std::string& queue(const Method& method) { return args_of<kQueueDeclare>(method).text<"queeu">(); }
#endif
#ifdef WRONG_TYPE
bool queue_as_flag(const Method& method) { return args_of<kQueueDeclare>(method).flag<"queue">(); }
#endif
