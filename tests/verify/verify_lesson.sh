#!/usr/bin/env bash
# One lesson against the private RabbitMQ node the test fixture started: `brokersim verify`
# must agree with it (exit 0). A timeline restart restarts that node's broker application.
set -uo pipefail
brokersim=$1 node_dir=$2 lesson=$3 root=$4
port=$(cat "$node_dir/port")
exec "$brokersim" verify "$lesson" --against "amqp://guest:guest@127.0.0.1:$port/" \
  --restart-command "$root/scripts/rabbitmq_node.sh restart $node_dir"
