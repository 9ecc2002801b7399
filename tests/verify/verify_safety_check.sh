#!/usr/bin/env bash
# `brokersim verify` and `drive` on a broker that is not theirs: an unreachable broker and a
# refused login exit 2 with their reason, a name that exists is refused, nothing created is
# left behind, and `drive` spreads its connections over two ports of one node.
set -uo pipefail
brokersim=$1 node_dir=$2 root=$3
ports=($(cat "$node_dir/ports"))
url="amqp://guest:guest@127.0.0.1:${ports[0]}/"
lesson=$root/scenarios/hello_world.yaml
ctl() { rabbitmqctl -q -n "$(cat "$node_dir/node")" "$@"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0 passed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; cat "$out"; fi
}
exits_with() { [ "$1" -eq "$2" ]; }

"$brokersim" verify "$lesson" --against amqp://guest:guest@127.0.0.1:1/ > "$out" 2>&1; rc=$?
check "an unreachable broker exits 2" exits_with $rc 2
check "... and says it cannot reach it" grep -q "cannot reach 127.0.0.1:1" "$out"

"$brokersim" verify "$lesson" --against "amqp://guest:wrong@127.0.0.1:${ports[0]}/" > "$out" 2>&1; rc=$?
check "a refused login exits 2" exits_with $rc 2
check "... with RabbitMQ's 403" grep -q "refused the login: 403 ACCESS_REFUSED" "$out"

before_queues=$(ctl list_queues name | sort); before_exchanges=$(ctl list_exchanges name | sort)
"$brokersim" verify "$root/scenarios/routing.yaml" --against "$url" > "$out" 2>&1; rc=$?
check "routing agrees" exits_with $rc 0
after_queues=$(ctl list_queues name | sort); after_exchanges=$(ctl list_exchanges name | sort)
check "no queue is left behind" [ "$before_queues" = "$after_queues" ]
check "no exchange is left behind" [ "$before_exchanges" = "$after_exchanges" ]

"$brokersim" verify "$lesson" --against "$url" --keep > "$out" 2>&1; rc=$?
check "--keep leaves the lesson's queue" ctl list_queues name > /dev/null
ctl list_queues name | grep -qx hello; check "... which is there" exits_with $? 0
"$brokersim" verify "$lesson" --against "$url" > "$out" 2>&1; rc=$?
check "a queue that exists is refused with exit 2" exits_with $rc 2
check "... naming it" grep -q "queue 'hello' already exists on the broker" "$out"
ctl list_queues name messages | grep -q "^hello" ; check "... and left as it was" exits_with $? 0
ctl delete_queue hello > /dev/null

"$brokersim" drive "$root/scenarios/work_queues.yaml" --against "$url" --against "amqp://guest:guest@127.0.0.1:${ports[1]}/" \
  > "$out" 2>&1; rc=$?
check "drive over two ports runs" exits_with $rc 0
check "... opens connections on both ports" grep -Eq "127.0.0.1:${ports[1]}: [1-9]" "$out"
check "... reports progress" grep -q "on the broker:" "$out"
check "... and prints the totals" grep -q "publishes sent by the actors" "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
