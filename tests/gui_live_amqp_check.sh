#!/usr/bin/env bash
# brokersim-gui --amqp: a real pika publisher and consumer connect to the GUI's port; after 3 s
# of their traffic the screenshot must show it (messages in flight, a readable PNG), and the
# log must name both clients by their connection_name.
# Usage: gui_live_amqp_check.sh BROKERSIM_GUI SCREENSHOT_CHECK OUT.png
set -euo pipefail
gui=$1 check=$2 out=$3
here=$(dirname "$0")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$out"
/usr/bin/python3 "$here/amqp/live_gui_client.py" "$port" 8 > /dev/null 2>&1 &
client=$!
log=$(timeout 60 xvfb-run -a -s "-screen 0 1280x800x24" "$gui" --amqp "127.0.0.1:$port" --screenshot "$out" --at 3s 2>&1)
kill "$client" 2>/dev/null || true
echo "$log"
grep -q "connection checkout-service (127.0.0.1:[0-9]*) opened" <<< "$log" || { echo "FAIL: the publisher never connected"; exit 1; }
grep -q "connection billing-worker (127.0.0.1:[0-9]*) opened" <<< "$log" || { echo "FAIL: the consumer never connected"; exit 1; }
grep -Eq " [1-9][0-9]* messages in flight" <<< "$log" || { echo "FAIL: no real messages animated"; exit 1; }
"$check" "$out" 1280 800
