#!/usr/bin/python3
"""Runs a command against a fresh `brokersim serve` on a free loopback port.

    run_with_server.py BROKERSIM [SERVE OPTIONS...] -- COMMAND ARGS...
                                           ({port} in ARGS becomes the port)

The server is started and stopped by the pika harness's BrokersimServer: it must stop
cleanly on SIGTERM, exit 0 and log no crash. The exit code is the command's, or 1 when the
server misbehaved; a hard deadline keeps a broken run from hanging.
"""
import subprocess
import sys

from harness import BrokersimServer

DEADLINE_S = 120


def main():
    if "--" not in sys.argv[2:] or sys.argv.index("--") == len(sys.argv) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    split = sys.argv.index("--")
    server = BrokersimServer(sys.argv[1], sys.argv[2:split])
    try:
        port = str(server.start())
    except RuntimeError as error:
        print(f"run_with_server: {error}", file=sys.stderr)
        return 1
    command = [arg.replace("{port}", port) for arg in sys.argv[split + 1:]]
    try:
        code = subprocess.run(command, timeout=DEADLINE_S).returncode
    except subprocess.TimeoutExpired:
        print(f"run_with_server: {command[0]} did not finish in {DEADLINE_S} s", file=sys.stderr)
        code = 1
    problems = server.stop()
    for problem in problems:
        print(f"run_with_server: {problem}", file=sys.stderr)
    return 1 if problems else code


if __name__ == "__main__":
    sys.exit(main())
