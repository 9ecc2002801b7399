#!/usr/bin/env bash
# Debian's amqp-tools (rabbitmq-c's command-line clients) against brokersim: declare, bind,
# publish with properties, get and consume, and see a missing queue refused with 404.
# Usage: amqp_tools_check.sh PORT
set -euo pipefail
url="amqp://guest:guest@127.0.0.1:$1"
q="tools-q-$$"
fail() { echo "FAIL: $*" >&2; exit 1; }

amqp-declare-queue --url="$url" --queue="$q" >/dev/null
amqp-publish --url="$url" --routing-key="$q" --body="hello from amqp-publish" --content-type=text/plain --persistent
got=$(amqp-get --url="$url" --queue="$q")
[ "$got" = "hello from amqp-publish" ] || fail "amqp-get returned '$got'"

# Topic routing through an exchange that amqp-consume binds a server-named queue to.
amqp-publish --url="$url" --exchange=amq.topic --routing-key=order.created.eu --body="early, nobody bound yet"
consumer_out=$(mktemp)
amqp-consume --url="$url" --exchange=amq.topic --routing-key='order.*.eu' --count=2 cat > "$consumer_out" &
consumer=$!
sleep 0.5
amqp-publish --url="$url" --exchange=amq.topic --routing-key=order.created.us --body="not for eu"
amqp-publish --url="$url" --exchange=amq.topic --routing-key=order.created.eu --body="eu-1"
amqp-publish --url="$url" --exchange=amq.topic --routing-key=order.paid.eu --body="eu-2"
wait "$consumer" || fail "amqp-consume failed"
[ "$(cat "$consumer_out")" = "eu-1eu-2" ] || fail "amqp-consume printed '$(cat "$consumer_out")'"
rm -f "$consumer_out"

if err=$(amqp-get --url="$url" --queue="no-such-queue-$$" 2>&1); then fail "amqp-get on a missing queue succeeded"; fi
grep -q "NOT_FOUND - no queue 'no-such-queue-$$' in vhost '/'" <<< "$err" || fail "unexpected error: $err"

amqp-delete-queue --url="$url" --queue="$q" >/dev/null
echo "amqp-tools: 4 passed, 0 failed"
