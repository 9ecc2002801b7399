#!/usr/bin/env bash
# The AMQP port side by side with RabbitMQ, in one run: the same rabbitmq-c client measures
# brokersim serve and Debian's rabbitmq-server (started here on 127.0.0.1 on ports of its own
# and stopped afterwards), then prints each figure and the ratio brokersim / RabbitMQ.
# Usage: bench/amqp_vs_rabbitmq.sh [BUILD_DIR] [COUNT]   (BUILD_DIR defaults to build-release)
# Each mode runs with 16-byte and 1 KiB messages.
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

# The broker's own CPU (user + system, all its threads) per message, which a client that caps
# the rate cannot hide: read from /proc/PID/stat before and after each run.
# beam.smp's command line does not name the node: find the process that listens on its port.
rabbit_pid=$(ss -Hltnp "sport = :$rabbit_port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$rabbit_pid" ] || { echo "cannot find the rabbitmq-server process on port $rabbit_port" >&2; exit 1; }
ticks=$(getconf CLK_TCK)
cpu_s() { awk -v t="$ticks" '{printf "%.4f", ($14 + $15) / t}' "/proc/$1/stat"; }
# Runs one client mode against one broker; prints "rate p50 p99 cpu_us_per_message".
measure() {
  local port=$1 pid=$2 mode=$3 size=$4 before after out
  before=$(cpu_s "$pid")
  out=$("$client" "$port" "$mode" "$count" "$size")
  after=$(cpu_s "$pid")
  field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$out"; }
  echo "$(field rate) $(field p50_us) $(field p99_us) $(awk -v a="$before" -v b="$after" -v n="$count" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}')"
}

printf "\n%-9s %6s %11s %11s %6s %9s %9s %6s %8s %8s %8s %8s\n" mode size "brokersim/s" "rabbitmq/s" ratio \
  "bs cpu/us" "rmq cpu/us" less "bs p50us" "bs p99us" "rmq p50us" "rmq p99us"
for size in 16 1024; do
  for mode in publish pubsub confirms; do
    read -r b_rate b_p50 b_p99 b_cpu <<< "$(measure "$brokersim_port" "$serve_pid" "$mode" "$size")"
    read -r r_rate r_p50 r_p99 r_cpu <<< "$(measure "$rabbit_port" "$rabbit_pid" "$mode" "$size")"
    printf "%-9s %6s %11s %11s %6s %9s %9s %6s %8s %8s %8s %8s\n" "$mode" "$size" "$b_rate" "$r_rate" \
      "$(awk -v a="$b_rate" -v b="$r_rate" 'BEGIN {printf "%.2fx", a / b}')" "$b_cpu" "$r_cpu" \
      "$(awk -v a="$b_cpu" -v b="$r_cpu" 'BEGIN {printf "%.1fx", b / a}')" "$b_p50" "$b_p99" "$r_p50" "$r_p99"
  done
done
echo "($count messages per run; cpu/us is the server's user+system CPU per message, 'less' is RabbitMQ's over"
echo " brokersim's; publish-only has no latency figure)"
