#!/usr/bin/env python3
"""End-to-end online backup benchmark: trove-db2-agent vs Trove's pipeline, on the same DB2 stand-in database.

Run through Benchmarks/backup-benchmark, which builds, starts RabbitMQ and Swift and passes the paths.
"""
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from swiftclient import client as swift

from guest_support import (DATABASE, KEY, Conductor, cast_backup, cast_prepare, cpu_seconds, download_seconds,
                           driver_arguments, empty_container, generated_instance, guest_client, request_context,
                           restore_info, say, start_agent, status_kib, stop_agent)

CONTAINER = "bench_ours"


def run_ours(args, instance, transport, auth):
    url, token = auth
    topic = f"trove-conductor-{uuid.uuid4().hex[:6]}"
    conductor = Conductor(transport, topic)
    agent, log_path, guest = start_agent(args.agent, args.work, instance, topic, "agent", args.segment_mib << 20,
                                         CONTAINER)
    try:
        rss_idle = status_kib(agent.pid, "VmRSS")
        cpu_before = cpu_seconds(agent.pid)
        client = guest_client(transport, guest)
        context = request_context(url, token)
        backup_id = str(uuid.uuid4())
        started = time.monotonic()
        cast_backup(client, context, backup_id, guest, parent=None)
        end = conductor.wait_end(backup_id)
        wall = end["at"] - started
        if end["state"] != "COMPLETED":
            raise SystemExit(f"our backup FAILED: {end.get('note')} (see {log_path})")
        peak = status_kib(agent.pid, "VmHWM")
        cpu = cpu_seconds(agent.pid) - cpu_before
        stored = int(swift.head_object(url, token, CONTAINER, backup_id + ".gz.enc")["content-length"])
        _, manifest = swift.get_object(url, token, CONTAINER, backup_id + ".gz.enc",
                                       query_string="multipart-manifest=get")
        try:
            segments = len(json.loads(manifest))
        except ValueError:
            segments = 1  # a single segment is copied to the backup's name
        return {"wall": wall, "peak_kib": peak, "idle_kib": rss_idle, "cpu": cpu, "stored": stored, "end": end,
                "id": backup_id, "segments": segments}
    finally:
        stop_agent(agent)
        conductor.server.stop()


def run_trove(args, instance, auth):
    url, token = auth
    images = os.path.join(args.work, "trove-backup")
    shutil.rmtree(images, ignore_errors=True)
    os.makedirs(images)
    started = time.monotonic()
    instance.shell(f"db2 backup database {DATABASE} online to {images} include logs >/dev/null")
    db2_seconds = time.monotonic() - started
    image_bytes = sum(os.path.getsize(os.path.join(images, f)) for f in os.listdir(images))
    name = str(uuid.uuid4()) + ".gz.enc"
    swift_cli = os.path.join(args.venv, "bin", "swift")
    pipeline = (f"tar cPf - {images} | gzip | openssl enc -aes-256-cbc -salt -pass pass:{KEY} | "
                f"{swift_cli} -A {os.environ['SWIFT_AUTH_URL']} -U {os.environ['SWIFT_USER']} -K {os.environ['SWIFT_KEY']} "
                f"upload --segment-size {args.segment_mib << 20} --use-slo bench_trove - --object-name {name} >/dev/null")
    # A wrapper process of its own, so that its children's rusage covers the pipeline's processes only: the
    # largest max RSS among them, and their CPU time.
    measure = ("import json, resource, subprocess, sys\n"
               "subprocess.run(['bash', '-o', 'pipefail', '-c', sys.argv[1]], check=True)\n"
               "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(json.dumps([usage.ru_maxrss, usage.ru_utime, usage.ru_stime]))")
    result = subprocess.run([sys.executable, "-c", measure, pipeline], check=True, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONWARNINGS="ignore"))
    wall = time.monotonic() - started
    peak, user, system = json.loads(result.stdout.strip().splitlines()[-1])
    stored = int(swift.head_object(url, token, "bench_trove", name)["content-length"])
    shutil.rmtree(images, ignore_errors=True)
    return {"wall": wall, "db2": db2_seconds, "peak_kib": int(peak), "cpu": float(user) + float(system),
            "stored": stored, "image": image_bytes, "name": name}


class CappedProxy:
    """Benchmarks/rate_capped_proxy.py in front of Swift: every connection capped at `rate` bytes per second."""

    def __init__(self, rate):
        upstream = int(os.environ["SWIFT_AUTH_URL"].split(":")[2].split("/")[0])
        self.upstream = upstream
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "rate_capped_proxy.py"),
             str(upstream), str(rate)], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def storage_url(self, url):
        return url.replace(f":{self.upstream}/", f":{self.port}/")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def restore_ours(args, instance, transport, auth, ours, proxy):
    """`prepare` with our backup's `backup_info` on the same instance (RESTORE ... REPLACE EXISTING of the same
    database), the storage reached through the capped proxy. Returns the whole prepare's wall time and the
    download-and-unpack phase's, read from the agent's log."""
    url, token = auth
    topic = f"trove-conductor-{uuid.uuid4().hex[:6]}"
    conductor = Conductor(transport, topic)
    agent, log_path, guest = start_agent(args.agent, args.work, instance, topic, "agent-restore",
                                         args.segment_mib << 20, CONTAINER)
    try:
        client = guest_client(transport, guest)
        context = request_context(proxy.storage_url(url), token)
        started = time.monotonic()
        cast_prepare(client, context, instance, restore_info(ours["id"], guest, ours["end"]))
        status, at = conductor.wait_status(guest, ("running", "failed to spawn"))
        if status != "running":
            raise SystemExit(f"our restore ended {status} (see {log_path})")
        return {"wall": at - started, "download": download_seconds(log_path),
                "peak_kib": status_kib(agent.pid, "VmHWM")}
    finally:
        stop_agent(agent)
        conductor.server.stop()


def restore_trove(args, auth, trove, proxy):
    """Trove's restore of its own backup through the capped proxy: one `swift download` stream (as its agent's
    get_object) | openssl enc -d | gzip -d | tar x, into a scratch directory (DB2's RESTORE not included)."""
    url, token = auth
    target = os.path.join(args.work, "trove-restore")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    swift_cli = os.path.join(args.venv, "bin", "swift")
    pipeline = (f"{swift_cli} --os-auth-token {token} --os-storage-url {proxy.storage_url(url)} download bench_trove "
                f"{trove['name']} -o - | openssl enc -d -aes-256-cbc -salt -pass pass:{KEY} | gzip -d | tar xf - -C {target}")
    started = time.monotonic()
    subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    wall = time.monotonic() - started
    shutil.rmtree(target, ignore_errors=True)
    return {"wall": wall}


def main():
    parser = driver_arguments(default_size_mib=2048)
    parser.add_argument("--segment-mib", type=int, default=256)
    parser.add_argument("--cap-mbps", type=float, default=20, help="per-connection cap of the restore's proxy, MB/s")
    args = parser.parse_args()

    logging.basicConfig(level=logging.ERROR)  # kombu's chatter stays out of the figures
    instance = generated_instance(os.path.join(args.work, "instance"), args.db2sim, args.size_mib)
    try:
        measure(args, instance)
    finally:
        instance.stop()  # the data stays for the next run


def measure(args, instance):
    data = instance.data_bytes()
    cfg.CONF([], project="trove-backup-bench")
    transport = messaging.get_rpc_transport(cfg.CONF, url=f"rabbit://guest:guest@127.0.0.1:{os.environ['AMQP_PORT']}/")
    auth = swift.get_auth(os.environ["SWIFT_AUTH_URL"], os.environ["SWIFT_USER"], os.environ["SWIFT_KEY"])
    load = os.getloadavg()[0]

    say("\nrunning trove-db2-agent (create_backup → COMPLETED)")
    ours = run_ours(args, instance, transport, auth)
    say("running Trove's way (db2 backup, then tar | gzip | openssl enc | swift upload)")
    trove = run_trove(args, instance, auth)

    mb = trove["image"] / 1e6
    say(f"\nonline backup of a {data / 2**30:.2f} GiB stand-in database (image {trove['image'] / 2**30:.2f} GiB) "
        f"to Swift, segments of {args.segment_mib} MiB; {os.cpu_count()} cores, load {load:.1f} at start")
    say(f"{'':44} {'wall s':>8} {'MB/s':>7} {'peak RSS':>10} {'CPU s':>7} {'stored MB':>10}")
    say(f"{'trove-db2-agent (whole create_backup)':44} {ours['wall']:8.1f} {mb / ours['wall']:7.1f} "
        f"{ours['peak_kib'] / 1024:7.1f} MiB {ours['cpu']:7.1f} {ours['stored'] / 1e6:10.1f}")
    say(f"{'Trove: db2 backup + tar|gzip|openssl|swift':44} {trove['wall']:8.1f} {mb / trove['wall']:7.1f} "
        f"{trove['peak_kib'] / 1024:7.1f} MiB {trove['cpu']:7.1f} {trove['stored'] / 1e6:10.1f}")
    say(f"  (Trove's db2 backup step alone: {trove['db2']:.1f} s; the agent's RSS before the backup: "
        f"{ours['idle_kib'] / 1024:.1f} MiB; CPU s excludes DB2 itself for both)")
    speedup = trove["wall"] / ours["wall"]
    say(f"speed-up {speedup:.2f}x (target >= 1.8x); peak RSS {trove['peak_kib'] / max(ours['peak_kib'], 1):.1f}x lower")

    proxy = CappedProxy(args.cap_mbps * 1e6)
    try:
        say(f"\nrestoring through a proxy capping each connection at {args.cap_mbps:g} MB/s")
        say("running trove-db2-agent (prepare with backup_info → running)")
        ours_restore = restore_ours(args, instance, transport, auth, ours, proxy)
        say("running Trove's way (swift download | openssl enc -d | gzip -d | tar x)")
        trove_restore = restore_trove(args, auth, trove, proxy)
    finally:
        proxy.stop()
    say(f"{'':52} {'wall s':>8} {'MB/s':>7}")
    say(f"{'trove-db2-agent: download + decrypt + inflate + untar':52} {ours_restore['download']:8.1f} "
        f"{mb / ours_restore['download']:7.1f}   ({ours['segments']} segment(s), 4 connections)")
    say(f"{'  the whole prepare (+ RESTORE, ROLLFORWARD)':52} {ours_restore['wall']:8.1f} {mb / ours_restore['wall']:7.1f}"
        f"   (peak RSS {ours_restore['peak_kib'] / 1024:.1f} MiB)")
    say(f"{'Trove: swift download | openssl | gzip -d | tar x':52} {trove_restore['wall']:8.1f} "
        f"{mb / trove_restore['wall']:7.1f}   (one connection)")
    say(f"restore speed-up through the capped proxy: {trove_restore['wall'] / ours_restore['download']:.2f}x "
        f"(target >= 3x); with DB2's RESTORE and ROLLFORWARD counted for ours only: "
        f"{trove_restore['wall'] / ours_restore['wall']:.2f}x")
    for container in (CONTAINER, "bench_trove", "bench_trove_segments"):
        empty_container(auth, container)


if __name__ == "__main__":
    sys.exit(main())
