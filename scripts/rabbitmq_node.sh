#!/usr/bin/env bash
# A private RabbitMQ node on loopback, for tests and `brokersim verify`: Debian's rabbitmq-server
# (3.10.8) started by hand, without systemd, on free ports, with its data under DIR.
#   scripts/rabbitmq_node.sh start DIR [N] starts it with N AMQP ports (default 1), waits for
#                                        them, prints them (also in DIR/ports)
#   scripts/rabbitmq_node.sh stop DIR    stops it and removes DIR
#   scripts/rabbitmq_node.sh restart DIR stops and starts the broker application (a restart
#                                        that keeps durable queues and persistent messages)
set -euo pipefail
action=${1:?start, stop or restart}
dir=${2:?a directory for the node}
command -v rabbitmq-server >/dev/null || { echo "rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2; exit 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ctl() { rabbitmqctl -q -n "$(cat "$dir/node")" "$@"; }

case "$action" in
  start)
    mkdir -p "$dir/mnesia" "$dir/log"
    ports=()
    for i in $(seq "${3:-1}"); do ports+=("$(free_port)"); done
    # Erlang node names take letters, digits, - and _ only.
    echo "brokersim-$(basename "$dir" | tr -c "a-zA-Z0-9_\n" -)-$$@localhost" > "$dir/node"
    echo "${ports[*]}" > "$dir/ports"
    echo "${ports[0]}" > "$dir/port"
    # Listeners on loopback only; one node may listen on several ports (a stand-in for a
    # cluster's nodes when `drive` spreads its connections).
    : > "$dir/rabbitmq.conf"
    for i in "${!ports[@]}"; do echo "listeners.tcp.$((i + 1)) = 127.0.0.1:${ports[$i]}" >> "$dir/rabbitmq.conf"; done
    if [ "$(id -u)" -eq 0 ]; then chown -R rabbitmq:rabbitmq "$dir" 2>/dev/null || true; chmod 755 "$dir"; fi
    RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf RABBITMQ_DIST_PORT=$(free_port) \
      RABBITMQ_NODENAME=$(cat "$dir/node") RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log \
      nohup rabbitmq-server > "$dir/server.out" 2>&1 &
    # The AMQP ports open only once the broker has booted.
    port_list=$(IFS=,; echo "${ports[*]}")
    for _ in $(seq 240); do
      if /usr/bin/python3 -c "import socket; [socket.create_connection(('127.0.0.1', p), 1) for p in ($port_list,)]" 2>/dev/null; then
        echo "${ports[*]}"
        exit 0
      fi
      sleep 0.5
    done
    echo "rabbitmq-server did not open ports ${ports[*]} within 120 s; see $dir/server.out" >&2
    exit 1
    ;;
  restart)
    ctl stop_app
    ctl start_app
    ;;
  stop)
    [ -f "$dir/node" ] && { ctl stop >/dev/null 2>&1 || true; }
    rm -rf "$dir"
    ;;
  *) echo "unknown action '$action': start, stop or restart" >&2; exit 2 ;;
esac
