#!/usr/bin/python3
"""Runs a command against a fresh `brokersim serve` on a free loopback port.

    run_with_server.py BROKERSIM [SERVE OPTIONS...] -- COMMAND ARGS...
                                           ({port} in ARGS becomes the port)

The server is stopped with SIGTERM afterwards and must exit 0. The exit code is the
command's, or 1 when the server failed; a hard deadline keeps a broken run from hanging.
"""
import os
import re
import signal
import subprocess
import sys
import time

DEADLINE_S = 120


def main():
    if "--" not in sys.argv[2:] or sys.argv.index("--") == len(sys.argv) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    split = sys.argv.index("--")
    serve_options = sys.argv[2:split]
    server = subprocess.Popen([sys.argv[1], "serve", "--listen", "127.0.0.1:0", *serve_options],
                              stderr=subprocess.PIPE, text=True)
    port = None
    started = time.monotonic()
    while port is None and time.monotonic() - started < 10:
        line = server.stderr.readline()
        if not line:
            break
        match = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if match:
            port = match.group(1)
    if port is None:
        print("run_with_server: brokersim serve did not start", file=sys.stderr)
        server.kill()
        return 1
    # Keep draining the server's log so it never blocks on a full pipe.
    log = []
    import threading
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    command = [arg.replace("{port}", port) for arg in sys.argv[split + 1:]]
    try:
        code = subprocess.run(command, timeout=DEADLINE_S).returncode
    except subprocess.TimeoutExpired:
        print(f"run_with_server: {command[0]} did not finish in {DEADLINE_S} s", file=sys.stderr)
        code = 1
    server.send_signal(signal.SIGTERM)
    try:
        server_code = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        print("run_with_server: brokersim serve did not stop on SIGTERM", file=sys.stderr)
        return 1
    if server_code != 0:
        print(f"run_with_server: brokersim serve exited {server_code}", file=sys.stderr)
        print("".join(log), file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
