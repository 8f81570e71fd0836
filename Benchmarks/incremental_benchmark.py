#!/usr/bin/env python3
"""Incremental and delta backups through Trove's `parent`, end to end, on a DB2 stand-in database: a full backup,
three rounds of new rows each followed by a backup on the previous one, the chain restored into a fresh guest
against a single full backup of the same final state restored into another.

Run through Benchmarks/incremental-benchmark, which builds, starts RabbitMQ and Swift and passes the paths.
"""
import logging
import os
import random
import shutil
import sys
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from swiftclient import client as swift

from guest_support import (SEED, Conductor, Instance, cast_backup, cast_prepare, cpu_seconds, download_seconds,
                           driver_arguments, empty_container, guest_client, request_context, reset_peak_rss,
                           restore_info, row_count, row_pool, say, source_instance, start_agent, status_kib,
                           stop_agent)

CONTAINER = "bench_incr"
SEGMENT_BYTES = 256 << 20
ROUNDS = 3
# The goals of issue 15.
BYTES_GOAL = 0.10
TIME_GOAL = 0.20
RESTORE_GOAL = 1.5


def table_bytes(instance):
    """The bytes of the database's table data files (its log files not counted)."""
    total = 0
    for directory, _, files in os.walk(os.path.join(instance.mount, "NODE0000")):
        if os.path.basename(directory) == "DATA":
            total += sum(os.path.getsize(os.path.join(directory, f)) for f in files)
    return total


class Source:
    """The guest whose backups are measured: one agent, as on a real guest, for the whole series."""

    def __init__(self, args, instance, transport, conductor, auth):
        self.instance = instance
        self.conductor = conductor
        self.auth = auth
        self.agent, self.log_path, self.guest = start_agent(
            args.agent, args.work, instance, conductor.topic, "agent-source", SEGMENT_BYTES, CONTAINER)
        self.client = guest_client(transport, self.guest)

    def backup(self, label, parent):
        """Casts create_backup on `parent` (a previous result, or None) and waits for COMPLETED; returns the
        figures: seconds from the cast to COMPLETED, bytes stored, the agent's peak RSS and CPU seconds during it,
        the kinds it reported."""
        url, token = self.auth
        backup_id = str(uuid.uuid4())
        trove_parent = None if parent is None else {"location": parent["end"]["location"],
                                                    "checksum": parent["end"]["checksum"]}
        reset_peak_rss(self.agent.pid)
        cpu_before = cpu_seconds(self.agent.pid)
        started = time.monotonic()
        cast_backup(self.client, request_context(url, token), backup_id, self.guest, trove_parent)
        end = self.conductor.wait_end(backup_id)
        wall = end["at"] - started
        if end["state"] != "COMPLETED":
            raise SystemExit(f"backup {label} FAILED: {end.get('note')} (see {self.log_path})")
        peak = status_kib(self.agent.pid, "VmHWM")
        cpu = cpu_seconds(self.agent.pid) - cpu_before
        headers = swift.head_object(url, token, CONTAINER, end["location"].rsplit("/", 1)[1])
        images = ",".join(headers[key] for key in sorted(headers) if key.startswith("x-object-meta-db2-images"))
        parent_ok = parent is None or headers.get("x-object-meta-parent-location") == parent["end"]["location"]
        return {"label": label, "id": backup_id, "end": end, "wall": wall, "peak_kib": peak, "cpu": cpu,
                "stored": int(headers["content-length"]), "type": end.get("backup_type"),
                "kind": headers.get("x-object-meta-db2-kind", "(none)"), "images": images, "parent_ok": parent_ok}

    def stop(self):
        stop_agent(self.agent)


def change(instance, rows, percent, round_number):
    """Inserts new rows amounting to `percent` of the `rows` there are (new orders, from the same pool of
    records as the data); returns (rows now, bytes of row text inserted)."""
    count = max(1, round(rows * percent / 100))
    pool, _ = row_pool()
    after, written = instance.insert_rows(random.Random(SEED + round_number), pool, rows, rows=count)
    return after, written


def restore(args, transport, conductor, auth, name, backup, expected_rows):
    """Restores `backup` through prepare into a fresh guest (a new instance with no database, a new agent);
    returns the seconds from the cast to `running`, the download-and-unpack phase's, the agent's peak RSS and the
    rows the restored database holds."""
    url, token = auth
    instance = Instance(os.path.join(args.work, name), args.db2sim)
    shutil.rmtree(instance.root, ignore_errors=True)
    instance.install()
    try:
        agent, log_path, guest = start_agent(args.agent, args.work, instance, conductor.topic, f"agent-{name}",
                                             SEGMENT_BYTES, CONTAINER)
        try:
            client = guest_client(transport, guest)
            conductor.forget_status(guest)
            started = time.monotonic()
            cast_prepare(client, request_context(url, token), instance,
                         restore_info(backup["id"], guest, backup["end"]))
            status, at = conductor.wait_status(guest, ("running", "failed to spawn"))
            if status != "running":
                raise SystemExit(f"the restore of {backup['label']} ended {status} (see {log_path})")
            figures = {"wall": at - started, "download": download_seconds(log_path),
                       "peak_kib": status_kib(agent.pid, "VmHWM")}
        finally:
            stop_agent(agent)
        figures["rows"] = row_count(instance)
        figures["expected"] = expected_rows
    finally:
        instance.stop()
    shutil.rmtree(instance.root, ignore_errors=True)
    return figures


def main():
    parser = driver_arguments(default_size_mib=1024)
    parser.add_argument("--change-percent", type=float, default=2.0,
                        help="new rows before each incremental backup, as a share of the rows there are")
    args = parser.parse_args()
    if not 0 < args.change_percent <= 100:
        parser.error(f"--change-percent must be above 0 and at most 100, not {args.change_percent:g}")

    logging.basicConfig(level=logging.ERROR)  # kombu's chatter stays out of the figures
    instance, rows = source_instance(args.work, args.db2sim, args.size_mib)
    try:
        measure(args, instance, rows)
    finally:
        instance.stop()


def measure(args, instance, rows):
    cfg.CONF([], project="trove-incremental-bench")
    transport = messaging.get_rpc_transport(cfg.CONF, url=f"rabbit://guest:guest@127.0.0.1:{os.environ['AMQP_PORT']}/")
    auth = swift.get_auth(os.environ["SWIFT_AUTH_URL"], os.environ["SWIFT_USER"], os.environ["SWIFT_KEY"])
    empty_container(auth, CONTAINER)
    conductor = Conductor(transport, f"trove-conductor-{uuid.uuid4().hex[:6]}")
    load_start = os.getloadavg()
    data_start = table_bytes(instance)
    rows_start = rows
    source = Source(args, instance, transport, conductor, auth)
    try:
        say(f"\nfull backup (parent None) of {data_start / 2**30:.2f} GiB of table data, {rows} rows")
        backups = [source.backup("full", None)]
        inserted = []
        for number in range(1, ROUNDS + 1):
            before = rows
            rows, written = change(instance, rows, args.change_percent, number)
            inserted.append((rows - before, written))
            say(f"round {number}: inserted {rows - before} rows ({written / 1e6:.1f} MB of row text), "
                f"backup on the previous one")
            backups.append(source.backup(f"incremental {number}", backups[-1]))
        say("full backup (parent None) of the final state")
        final = source.backup("full, final state", None)
        backups.append(final)
    finally:
        source.stop()
    data_end = table_bytes(instance)

    say("restoring the chain (full + 3) into a fresh guest through prepare")
    chain_restore = restore(args, transport, conductor, auth, "guest-chain", backups[ROUNDS], rows)
    say("restoring the full backup of the final state into another fresh guest through prepare")
    full_restore = restore(args, transport, conductor, auth, "guest-full", final, rows)
    conductor.server.stop()
    load_end = os.getloadavg()
    empty_container(auth, CONTAINER)

    full = backups[0]
    say(f"\nonline backups of a stand-in database of {data_start / 2**30:.2f} GiB of table data ({rows_start} rows) "
        f"to Swift, {args.change_percent:g}% new rows before each incremental; {os.cpu_count()} cores, load average "
        f"{load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} at the start, "
        f"{load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} at the end")
    say(f"  rows inserted per round: {', '.join(f'{n} ({b / 1e6:.1f} MB)' for n, b in inserted)}; "
        f"table data {data_start / 1e6:.1f} MB → {data_end / 1e6:.1f} MB (log files not counted)")
    say(f"{'backup':20} {'backup_type':28} {'db2-kind':12} {'seconds':>8} {'stored MB':>10} {'peak RSS':>10} "
        f"{'CPU s':>6} {'vs full: bytes':>15} {'time':>7}")
    for backup in backups:
        say(f"{backup['label']:20} {str(backup['type']):28} {backup['kind']:12} {backup['wall']:8.2f} "
            f"{backup['stored'] / 1e6:10.2f} {backup['peak_kib'] / 1024:6.1f} MiB {backup['cpu']:6.2f} "
            f"{backup['stored'] / full['stored']:14.2%} {backup['wall'] / full['wall']:7.1%}")
    say("  images per backup (X-Object-Meta-db2-images: NAME=timestamp/kind[@base]):")
    for backup in backups:
        parent = "" if backup["parent_ok"] else "  (parent-location does NOT name its parent)"
        say(f"    {backup['label']:20} {backup['images']}{parent}")

    say(f"\n{'restore through prepare into a fresh guest':52} {'seconds':>8} {'download+unpack s':>18} "
        f"{'peak RSS':>10} {'rows':>8}")
    for label, figures in ((f"chain: full + {ROUNDS} ({backups[ROUNDS]['kind']})", chain_restore),
                           ("single full of the final state", full_restore)):
        check = "" if figures["rows"] == figures["expected"] else f"  (expected {figures['expected']}: WRONG)"
        say(f"{label:52} {figures['wall']:8.2f} {figures['download']:18.2f} {figures['peak_kib'] / 1024:6.1f} MiB "
            f"{figures['rows']:8}{check}")

    say("\ngoals (issue 15):")
    incrementals = backups[1:ROUNDS + 1]
    for text, key, goal in (("incremental bytes / full's bytes", "stored", BYTES_GOAL),
                            ("incremental seconds / full's seconds", "wall", TIME_GOAL)):
        ratios = [backup[key] / full[key] for backup in incrementals]
        say(f"  {text:40} {', '.join(f'{ratio:.1%}' for ratio in ratios)} "
            f"(largest {max(ratios):.1%}; goal <= {goal:.0%}: {'met' if max(ratios) <= goal else 'MISSED'})")
    restore_ratio = chain_restore["wall"] / full_restore["wall"]
    say(f"  {'chain restore / single full restore':40} {restore_ratio:.2f}x "
        f"(goal <= {RESTORE_GOAL:g}x: {'met' if restore_ratio <= RESTORE_GOAL else 'MISSED'})")


if __name__ == "__main__":
    sys.exit(main())
