#!/usr/bin/env bash
# A broker that dies in the middle of `brokersim verify`: a clear error and the partial table,
# exit 2, and no hang. It starts (and kills) a node of its own.
set -uo pipefail
brokersim=$1 root=$2
dir=$(mktemp -d /tmp/brokersim-dies.XXXXXX)
trap '"$root/scripts/rabbitmq_node.sh" stop "$dir"' EXIT
port=$("$root/scripts/rabbitmq_node.sh" start "$dir") || exit 1
out=$dir/verify.out
start=$(date +%s)
"$brokersim" verify "$root/scenarios/work_queues.yaml" --speed 2 --against "amqp://guest:guest@127.0.0.1:$port/" > "$out" 2>&1 &
verify=$!
sleep 4
pid=$(ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
kill -9 "$pid"
wait "$verify"; rc=$?
took=$(( $(date +%s) - start ))
cat "$out"
failed=0
[ "$rc" -eq 2 ] || { echo "FAILED: exit $rc, not 2"; failed=1; }
grep -q "verdict: incomplete: the run stopped early: the broker dropped the connection" "$out" || { echo "FAILED: no clear error"; failed=1; }
grep -q "^quantity" "$out" || { echo "FAILED: no partial table"; failed=1; }
[ "$took" -lt 30 ] || { echo "FAILED: took $took s"; failed=1; }
echo "verify stopped $took s after it started, with exit $rc"
exit $failed
