#!/usr/bin/env bash
# The AMQP port side by side with RabbitMQ, in one run: the same rabbitmq-c client measures
# brokersim serve and Debian's rabbitmq-server (started here on 127.0.0.1 on ports of its own
# and stopped afterwards), then prints each figure and the ratio brokersim / RabbitMQ.
# Usage: bench/amqp_vs_rabbitmq.sh [BUILD_DIR] [COUNT]   (BUILD_DIR defaults to build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-release}
count=${2:-100000}
client="$build/bench/bench_amqp_client"
brokersim="$build/app/brokersim"
for f in "$client" "$brokersim"; do
  [ -x "$f" ] || { echo "missing $f: run 'make bench' first" >&2; exit 1; }
done
command -v rabbitmq-server >/dev/null || { echo "rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2; exit 1; }

work=$(mktemp -d /tmp/brokersim-bench.XXXXXX)
node="brokersim-bench-$$@localhost"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  rabbitmqctl -q -n "$node" stop >/dev/null 2>&1 || true
  [ -n "${KEEP_BENCH_DIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "starting brokersim serve ..."
"$brokersim" serve --listen 127.0.0.1:0 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.05; done
brokersim_port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/serve.log" | head -1)

rabbit_port=$(free_port)
echo "starting rabbitmq-server on 127.0.0.1:$rabbit_port (takes a few seconds) ..."
mkdir -p "$work/rabbit/mnesia" "$work/rabbit/log"
if [ "$(id -u)" -eq 0 ]; then chown -R rabbitmq:rabbitmq "$work/rabbit"; chmod 755 "$work"; fi
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$rabbit_port RABBITMQ_DIST_PORT=$(free_port) \
  RABBITMQ_NODENAME=$node RABBITMQ_MNESIA_BASE=$work/rabbit/mnesia RABBITMQ_LOG_BASE=$work/rabbit/log \
  rabbitmq-server > "$work/rabbit.out" 2>&1 &
# The AMQP port opens only once the broker has booted.
for _ in $(seq 120); do
  /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $rabbit_port), 1)" 2>/dev/null && break
  sleep 0.5
done

printf "\n%-9s %12s %12s %7s %10s %10s %10s %10s\n" mode "brokersim/s" "rabbitmq/s" ratio "bs p50us" "bs p99us" "rmq p50us" "rmq p99us"
for mode in publish pubsub confirms; do
  ours=$("$client" "$brokersim_port" "$mode" "$count")
  theirs=$("$client" "$rabbit_port" "$mode" "$count")
  field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$2"; }
  printf "%-9s %12s %12s %7s %10s %10s %10s %10s\n" "$mode" "$(field rate "$ours")" "$(field rate "$theirs")" \
    "$(awk -v a="$(field rate "$ours")" -v b="$(field rate "$theirs")" 'BEGIN {printf "%.2fx", a / b}')" \
    "$(field p50_us "$ours")" "$(field p99_us "$ours")" "$(field p50_us "$theirs")" "$(field p99_us "$theirs")"
done
echo "($count messages of 1 KiB each; publish-only has no latency figure)"
