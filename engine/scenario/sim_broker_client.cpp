#include "scenario/sim_broker_client.h"

namespace brokersim::scenario {

bool SimBrokerClient::has_consumer(broker::ChannelKey key, const std::string& consumer_tag) const {
  const broker::Channel* channel = broker_.find_channel(key);
  return channel && channel->consumers.count(consumer_tag) > 0;
}

}  // namespace brokersim::scenario
