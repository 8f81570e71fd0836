"""Driver for Benchmarks/rpc-benchmark (see there)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "..", "Tests", "Interop", "peer.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_for(proc, needle, stream):
    for line in stream:
        if needle in line:
            return
    raise SystemExit(f"process ended before printing {needle!r}")


def run_clients(url, topic, clients, calls):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    procs = [subprocess.Popen([sys.executable, PEER, "ping-client", "--url", url, "--topic", topic,
                               "--count", str(calls)], stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(clients)]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    latencies = sorted(l for r in results for l in r["latencies"])
    wall = max(r["elapsed"] for r in results)
    return latencies, wall


def measure(name, pid, url, topic, calls):
    rows = []
    for clients in (1, 16):
        per_client = calls if clients == 1 else max(calls // 8, 50)
        cpu0 = cpu_seconds(pid)
        latencies, wall = run_clients(url, topic, clients, per_client)
        cpu = cpu_seconds(pid) - cpu0
        n = len(latencies)
        rows.append({
            "server": name, "clients": clients, "calls": n, "rate": n / wall,
            "p50_ms": 1000 * latencies[n // 2], "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))],
            "cpu_us_per_call": 1e6 * cpu / n,
        })
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    url = f"rabbit://guest:guest@127.0.0.1:{args.port}/"
    guest = "bench0001"
    conf = os.path.join(args.state, "agent.conf")
    mount = os.path.join(args.state, "mount")
    os.makedirs(mount, exist_ok=True)
    with open(conf, "w") as f:
        f.write(f"[DEFAULT]\ntransport_url = {url}\ncontrol_exchange = trove\nguest_id = {guest}\n"
                f"[db2]\nmount_point = {mount}\ninstance_home = {args.state}\n")
    env = dict(os.environ, HOME=args.state, PYTHONWARNINGS="ignore")
    agent = subprocess.Popen([args.agent, "run", "--config-file", conf], stderr=subprocess.PIPE, text=True, env=env)
    wait_for(agent, "consuming RPC", agent.stderr)
    python_server = subprocess.Popen([sys.executable, PEER, "ping-server", "--url", url, "--topic", "pybench"],
                                     stdout=subprocess.PIPE, text=True, env=env)
    wait_for(python_server, "READY", python_server.stdout)
    try:
        time.sleep(1)
        idle_rss = rss_kib(agent.pid)
        python_rss = rss_kib(python_server.pid)
        rows = measure("trove-db2-agent", agent.pid, url, f"guestagent.{guest}", args.calls)
        rows += measure("python oslo.messaging", python_server.pid, url, "pybench", args.calls)
    finally:
        agent.terminate()
        python_server.terminate()
        agent.wait()
        python_server.wait()

    print(f"{'server':24} {'clients':>7} {'calls':>6} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'server CPU/call':>16}")
    for r in rows:
        print(f"{r['server']:24} {r['clients']:>7} {r['calls']:>6} {r['rate']:>9.0f} {r['p50_ms']:>8.2f} "
              f"{r['p99_ms']:>8.2f} {r['cpu_us_per_call']:>13.0f} us")
    ours = {r["clients"]: r for r in rows if r["server"] == "trove-db2-agent"}
    theirs = {r["clients"]: r for r in rows if r["server"] != "trove-db2-agent"}
    print()
    print(f"idle RSS: trove-db2-agent {idle_rss / 1024:.1f} MiB, python server {python_rss / 1024:.1f} MiB")
    for c in (1, 16):
        print(f"{c:>2} client(s): CPU per call ours/python = {ours[c]['cpu_us_per_call'] / theirs[c]['cpu_us_per_call']:.3f}"
              f" (target <= 0.2), call rate ours/python = {ours[c]['rate'] / theirs[c]['rate']:.2f}")
    print(f"p99 at 1 client: {ours[1]['p99_ms']:.2f} ms (target < 5 ms); idle RSS target < 20 MiB")


if __name__ == "__main__":
    main()
