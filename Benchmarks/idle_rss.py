#!/usr/bin/env python3
"""Idle RSS of trove-db2-agent binaries, side by side: each started against a loopback broker, read 3 s after it
consumes RPC, the binaries taking turns so that the machine's state hits them alike. Prints, per binary, the size
and the range and median of VmRSS, RssAnon and RssFile.

  scripts/rabbitmq start DIR && . DIR/env
  Benchmarks/idle_rss.py --port "$AMQP_PORT" [--rounds 8] [--cache warm|cold] BINARY [BINARY ...]

The file-backed part depends on the page cache: the kernel maps the cached neighbours of each page a start
faults in, so a binary partly cached reads anywhere between the two states. --cache warm reads the whole binary
first (as after an install), --cache cold evicts it first (as after a reboot). Used for issue 13's before/after.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time


def status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out


def force_cache(binary, state):
    fd = os.open(binary, os.O_RDONLY)
    try:
        if state == "cold":
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        else:
            while os.read(fd, 1 << 20):
                pass
    finally:
        os.close(fd)


def idle(binary, port, name):
    state = tempfile.mkdtemp(prefix="idle-rss-")
    mount = os.path.join(state, "mount")
    os.makedirs(mount)
    config = os.path.join(state, "agent.conf")
    with open(config, "w") as f:
        f.write(f"[DEFAULT]\ntransport_url = rabbit://guest:guest@127.0.0.1:{port}/\ncontrol_exchange = trove\n"
                f"guest_id = {name}\nstate_dir = {state}/state\n[db2]\nmount_point = {mount}\ninstance_home = {state}\n")
    agent = subprocess.Popen([binary, "run", "--config-file", config], stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, HOME=state))
    try:
        for line in agent.stderr:
            if "consuming RPC" in line:
                break
        else:
            raise SystemExit(f"{binary} ended before consuming RPC")
        time.sleep(3)
        return status(agent.pid)
    finally:
        agent.terminate()
        agent.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--cache", choices=["warm", "cold"], default="warm")
    parser.add_argument("--port", default=os.environ.get("AMQP_PORT"), help="the broker's AMQP port ($AMQP_PORT)")
    args = parser.parse_args()
    if not args.port:
        raise SystemExit("no broker: give --port or set AMQP_PORT (scripts/rabbitmq start DIR; . DIR/env)")
    readings = {binary: [] for binary in args.binaries}
    for round_ in range(args.rounds):
        for index, binary in enumerate(args.binaries):
            force_cache(binary, args.cache)
            readings[binary].append(idle(binary, args.port, f"idle-{round_}-{index}"))
    print(f"idle RSS, {args.rounds} starts each in turns, binary {args.cache} in the page cache (MiB: min-max, median)")
    for binary, rows in readings.items():
        print(f"  {binary}: size {os.path.getsize(binary) / 2**20:.2f} MiB; " + "; ".join(
            f"{key} {min(r[key] for r in rows):.1f}-{max(r[key] for r in rows):.1f} "
            f"({statistics.median(r[key] for r in rows):.2f})" for key in ("VmRSS", "RssAnon", "RssFile")))


if __name__ == "__main__":
    main()
