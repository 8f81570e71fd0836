#!/usr/bin/env python3
"""Point-in-time recovery, end to end, on a DB2 stand-in database with a steady writer: the writer's commit rate
with log shipping off and on, the RPO of each commit (from its acknowledgement to its log being listed in Swift), and
a restore to a point after the backup (backup + shipped logs, `restore_until`) against the backup alone.

Run through Benchmarks/pitr-benchmark, which builds, starts RabbitMQ and Swift and passes the paths.
"""
import bisect
import datetime
import logging
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from swiftclient import client as swift

from guest_support import (DATABASE, Conductor, Instance, cast_backup, cast_prepare, download_seconds,
                           driver_arguments, empty_container, guest_client, log_time, request_context, restore_info,
                           row_count, say, source_instance, start_agent, stop_agent)

CONTAINER = "bench_pitr"
SEGMENT_BYTES = 256 << 20
TABLE = "TICKS"
# Seconds of each commit-rate window, and of settling before one (a just-started agent's start-up work).
RATE_SECONDS = 60
SETTLE_SECONDS = 5
# How often the container is listed for new shipped logs.
POLL_SECONDS = 1.0
# The point restored to: this long after the backup's end (or the last row of a shorter run).
POINT_AFTER_SECONDS = 600
# Turns of shipping on, each between two off, in the writer's cost measurement.
ALTERNATIONS = 3
# The goals of issue 16.
COST_GOAL = 0.05
RPO_SLACK_SECONDS = 10


class Writer:
    """A shell committing rows 1, 2, 3... into TICKS, one transaction each (a `db2 insert` per row, like the
    integration tests' BackupTestWriter), appending "<id> <unix time>" to a file once DB2 acknowledged each, and
    "<id> <output>" to another for each refused insert."""

    def __init__(self, instance):
        self.directory = os.path.join(instance.root, "writer")
        shutil.rmtree(self.directory, ignore_errors=True)
        os.makedirs(self.directory)
        self.acked = os.path.join(self.directory, "acked")
        self.errors = os.path.join(self.directory, "errors")
        self.stop_file = os.path.join(self.directory, "stop")
        script = f"""
            . '{instance.home}/sqllib/db2profile' || exit 1
            db2 connect to {DATABASE} >/dev/null || exit 1
            i=1
            while [ ! -e '{self.stop_file}' ]; do
                if out=$(db2 "insert into {TABLE} values ($i)"); then echo "$i $(date +%s.%N)" >> '{self.acked}'
                else echo "$i $out" >> '{self.errors}'; fi
                i=$((i + 1))
            done
            db2 connect reset >/dev/null
            """
        self.process = subprocess.Popen(["/bin/sh", "-c", script], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def acks(self):
        """The acknowledged rows so far, [(id, unix time)] in order (a line being written is left out)."""
        rows = []
        try:
            with open(self.acked) as f:
                for line in f:
                    parts = line.split()
                    if line.endswith("\n") and len(parts) == 2:
                        rows.append((int(parts[0]), float(parts[1])))
        except FileNotFoundError:
            pass
        return rows

    def refused(self):
        try:
            with open(self.errors) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def rate(self, start, end):
        """Rows acknowledged per second in (start, end] (unix times)."""
        return sum(1 for _, at in self.acks() if start < at <= end) / (end - start)

    def window(self, seconds):
        """Rows acknowledged per second over the next `seconds` (a measuring window: this waits it out)."""
        start = time.time()
        time.sleep(seconds)
        end = time.time()
        return self.rate(start, end)

    def stop(self):
        open(self.stop_file, "w").close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ShippedLogWatch(threading.Thread):
    """Lists the container every POLL_SECONDS for the logs a guest shipped (db2logs/<guest>/...), recording for
    each when a listing first held it (the time the listing came back: an upper bound of when the object was
    stored, late by up to a poll period and a listing's time) and its X-Object-Meta-db2-log-archived-at."""

    def __init__(self, auth, guest):
        super().__init__(daemon=True)
        self.auth = auth
        self.prefix = f"db2logs/{guest}/"
        self.logs = {}
        self.failures = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self):
        url, token = self.auth
        while not self.stopping.wait(POLL_SECONDS):
            try:
                _, objects = swift.get_container(url, token, CONTAINER, prefix=self.prefix, full_listing=True)
                listed = time.time()
                for item in objects:
                    if item["name"] in self.logs:
                        continue
                    headers = swift.head_object(url, token, CONTAINER, item["name"])
                    archived = headers.get("x-object-meta-db2-log-archived-at")
                    if archived is None:
                        self.failures.append(f"{item['name']} has no db2-log-archived-at")
                        continue
                    with self.lock:
                        self.logs[item["name"]] = {
                            "seen": listed, "archived": iso_seconds(archived), "stored": item["bytes"],
                            "raw": int(headers.get("x-object-meta-db2-log-bytes", "0"))}
            except swift.ClientException as error:
                self.failures.append(str(error))

    def snapshot(self):
        with self.lock:
            return sorted(self.logs.values(), key=lambda log: log["archived"])

    def stop(self):
        self.stopping.set()
        self.join()


def iso_seconds(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(seconds):
    """`2026-12-07T06:10:00.123456Z` (rounded down to the microsecond, so never after `seconds`)."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def durable_times(logs):
    """For the shipped logs in archive order: (archived-at, when it and every log archived before it were listed)."""
    archived, durable, latest = [], [], 0.0
    for log in logs:
        latest = max(latest, log["seen"])
        archived.append(log["archived"])
        durable.append(latest)
    return archived, durable


def rpo_seconds(acks, logs):
    """Each acknowledged row's RPO: from its acknowledgement to when the first log archived at or after it (and every
    earlier log) was listed; None for a row no listed log covers yet."""
    archived, durable = durable_times(logs)
    result = []
    for _, at in acks:
        index = bisect.bisect_left(archived, at)
        result.append(durable[index] - at if index < len(archived) else None)
    return result


def prepare_source(instance):
    """The writer's table, and an archive emptied of the logs generating the database left (a guest that had been
    shipping would have shipped them long ago; shipped at the first backup here, they would crowd its start)."""
    archive = os.path.join(instance.mount, "ArchiveLogs")
    for directory, _, files in os.walk(archive):
        for name in files:
            if name.endswith(".LOG"):
                os.remove(os.path.join(directory, name))
    instance.shell(f'db2 connect to {DATABASE} >/dev/null && db2 "create table {TABLE} (id integer not null)" >/dev/null')


def table_ids(instance):
    output = instance.shell(f'db2 connect to {DATABASE} >/dev/null && db2 -x "select id from {TABLE}"')
    return sorted(int(word) for word in output.split())


def restore(args, transport, conductor, auth, name, info):
    """Restores through prepare into a fresh guest (a new instance with no database, a new agent); returns the
    seconds from the cast to `running`, the download-and-unpack phase's, from the first RESTORE to `running`, and the
    restored database's ids in TICKS and rows in ORDERS."""
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
            cast_prepare(client, request_context(url, token), instance, dict(info, instance_id=guest))
            status, at = conductor.wait_status(guest, ("running", "failed to spawn"))
            running_wall = time.time() - (time.monotonic() - at)
            if status != "running":
                raise SystemExit(f"the restore into {name} ended {status} (see {log_path})")
            figures = {"wall": at - started, "download": download_seconds(log_path),
                       "after_restore": running_wall - first_restore_step(log_path)}
        finally:
            stop_agent(agent)
        figures["ids"] = table_ids(instance)
        figures["orders"] = row_count(instance)
    finally:
        instance.stop()
    shutil.rmtree(instance.root, ignore_errors=True)
    return figures


def first_restore_step(log_path):
    for line in open(log_path):
        if "RESTORE" in line and "restore of backup" in line:
            return log_time(line)
    raise SystemExit(f"no RESTORE step in {log_path}")


def load():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    parser = driver_arguments(default_size_mib=1024)
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="how long the writer runs after the backup, shipping")
    parser.add_argument("--interval", type=int, default=30, help="log_ship_interval, seconds (at least 10)")
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error(f"--minutes must be above 0, not {args.minutes:g}")
    if args.interval < 10:
        parser.error(f"--interval must be at least 10 (the agent's least log_ship_interval), not {args.interval}")
    if args.size_mib <= 0:
        parser.error(f"--size-mib must be above 0, not {args.size_mib}")

    logging.basicConfig(level=logging.ERROR)  # kombu's chatter stays out of the figures
    instance, rows = source_instance(args.work, args.db2sim, args.size_mib)
    try:
        measure(args, instance, rows)
    finally:
        instance.stop()


def measure(args, instance, rows):
    cfg.CONF([], project="trove-pitr-bench")
    transport = messaging.get_rpc_transport(cfg.CONF, url=f"rabbit://guest:guest@127.0.0.1:{os.environ['AMQP_PORT']}/")
    auth = swift.get_auth(os.environ["SWIFT_AUTH_URL"], os.environ["SWIFT_USER"], os.environ["SWIFT_KEY"])
    url, token = auth
    empty_container(auth, CONTAINER)
    conductor = Conductor(transport, f"trove-conductor-{uuid.uuid4().hex[:6]}")
    load_start = load()
    prepare_source(instance)
    shipping = {"log_shipping": "True", "log_ship_interval": str(args.interval)}

    say(f"\nwriter started; its commit rate with log shipping off (an agent without it), {RATE_SECONDS} s")
    agent, _, _ = start_agent(args.agent, args.work, instance, conductor.topic, "agent-source-off", SEGMENT_BYTES,
                              CONTAINER)
    writer = Writer(instance)
    watch = None
    try:
        time.sleep(SETTLE_SECONDS)
        off_before = writer.window(RATE_SECONDS)
        stop_agent(agent)

        agent, log_path, guest = start_agent(args.agent, args.work, instance, conductor.topic, "agent-source",
                                             SEGMENT_BYTES, CONTAINER, db2_options=shipping)
        watch = ShippedLogWatch(auth, guest)
        watch.start()
        say(f"agent restarted with log_shipping on, log_ship_interval {args.interval}; full online backup")
        backup_id = str(uuid.uuid4())
        cast_at = time.time()
        cast_backup(guest_client(transport, guest), request_context(url, token), backup_id, guest, None)
        end = conductor.wait_end(backup_id)
        backup_end = time.time() - (time.monotonic() - end["at"])
        if end["state"] != "COMPLETED":
            raise SystemExit(f"the backup FAILED: {end.get('note')} (see {log_path})")
        backup_seconds = backup_end - cast_at
        backup_stored = int(swift.head_object(url, token, CONTAINER,
                                              end["location"].rsplit("/", 1)[1])["content-length"])

        run_end = backup_end + args.minutes * 60
        say(f"backup COMPLETED in {backup_seconds:.1f} s; the writer runs on for {args.minutes:g} min, shipping")
        while time.time() < run_end:
            time.sleep(min(60.0, max(0.0, run_end - time.time())))
            say(f"  {(time.time() - backup_end) / 60:4.1f} min: {len(writer.acks())} rows acknowledged, "
                f"{len(watch.snapshot())} logs shipped")
        on_first = writer.rate(backup_end, min(run_end, backup_end + RATE_SECONDS))
        on_run = writer.rate(backup_end, run_end)
        run_acks = [(row, at) for row, at in writer.acks() if backup_end < at <= run_end]
        if not run_acks:
            raise SystemExit("the writer acknowledged no row during the run")

        # The writer goes on; the last rows of the run are durable once a log archived after them is listed.
        drain_limit = time.time() + args.interval + 120
        last_ack = run_acks[-1][1]
        while not any(log["archived"] >= last_ack for log in watch.snapshot()):
            if time.time() > drain_limit:
                say(f"  the last rows of the run were not shipped within {args.interval + 120} s")
                break
            time.sleep(POLL_SECONDS)
        watch.stop()
        logs = watch.snapshot()
        stop_agent(agent)

        agent = None
        turns = alternate(args, instance, conductor.topic, shipping, writer)
        off_after = turns[0]["rate"]  # the first turn is an agent without shipping, right after the run
    finally:
        writer.stop()
        if watch is not None and watch.is_alive():
            watch.stop()
        if agent is not None:
            stop_agent(agent)
    acks = writer.acks()
    refused = writer.refused()
    instance.stop()

    # The point: POINT_AFTER_SECONDS after the backup's end, or the run's end if sooner; exactly a row's ack time.
    limit = min(backup_end + POINT_AFTER_SECONDS, run_end)
    point_row, point = max(((row, at) for row, at in acks if at <= limit), key=lambda pair: pair[1])
    expected_point = sorted(row for row, at in acks if at <= point)
    before_backup = [row for row, at in acks if at <= cast_at]

    say(f"restoring the backup + shipped logs to {iso(point)} (row {point_row}) into a fresh guest through prepare")
    info = restore_info(backup_id, guest, end)
    pitr = restore(args, transport, conductor, auth, "guest-pitr", dict(info, restore_until=iso(point)))
    say("restoring the backup alone into another fresh guest through prepare")
    alone = restore(args, transport, conductor, auth, "guest-backup", info)
    conductor.server.stop()
    load_end = load()
    empty_container(auth, CONTAINER)

    report(args, rows, {
        "load_start": load_start, "load_end": load_end, "backup_seconds": backup_seconds,
        "backup_stored": backup_stored, "backup_end": backup_end, "acks": acks, "refused": refused,
        "run_acks": run_acks, "logs": logs, "listing_failures": watch.failures, "off_before": off_before,
        "on_first": on_first, "on_run": on_run, "off_after": off_after, "turns": turns, "point": point,
        "point_row": point_row,
        "expected_point": expected_point, "before_backup": before_backup, "pitr": pitr, "alone": alone})


def alternate(args, instance, topic, shipping, writer):
    """The writer's commit rate with shipping off and on in turns (ALTERNATIONS of each, off first and last; a
    fresh agent per window, no listing of Swift running), so that the writer's drift over the run (the table grows,
    the machine's load moves) hits both alike. Returns one {on, rate, agent_cpu, swift_cpu} per window (CPU
    seconds used during the window)."""
    say(f"the writer's cost: shipping off and on in turns, {2 * ALTERNATIONS + 1} windows of {RATE_SECONDS} s")
    turns = []
    for turn in range(2 * ALTERNATIONS + 1):
        on = turn % 2 == 1
        agent, _, _ = start_agent(args.agent, args.work, instance, topic, f"agent-turn-{turn}", SEGMENT_BYTES,
                                  CONTAINER, db2_options=shipping if on else None)
        try:
            time.sleep(SETTLE_SECONDS)
            swift_pids = process_ids("swift-proxy-server", "swift-object-server", "swift-container-server",
                                     "swift-account-server")
            agent_cpu, swift_cpu = cpu_seconds([agent.pid]), cpu_seconds(swift_pids)
            rate = writer.window(RATE_SECONDS)
            turns.append({"on": on, "rate": rate, "agent_cpu": cpu_seconds([agent.pid]) - agent_cpu,
                          "swift_cpu": cpu_seconds(swift_pids) - swift_cpu})
            say(f"  shipping {'on ' if on else 'off'}: {rate:.1f} commits/s")
        finally:
            stop_agent(agent)
    return turns


def process_ids(*names):
    """The processes whose command line names one of `names`."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read().decode(errors="replace")
            except OSError:
                continue
            if any(name in command for name in names):
                pids.append(int(entry))
    return pids


def cpu_seconds(pids):
    """User + system CPU seconds the processes `pids` (and their waited-for children) have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def report(args, rows, m):
    """Prints the table of measure()'s figures `m`."""
    acked_ids = [row for row, _ in m["acks"]]
    rpos = rpo_seconds(m["run_acks"], m["logs"])
    covered = sorted(value for value in rpos if value is not None)
    run_logs = [log for log in m["logs"] if log["archived"] > m["backup_end"]]
    spacing = [b["archived"] - a["archived"] for a, b in zip(run_logs, run_logs[1:])]
    lag = sorted(log["seen"] - log["archived"] for log in m["logs"])

    say(f"\npoint-in-time recovery of a stand-in database of {args.size_mib} MiB ({rows} rows in ORDERS) to Swift, "
        f"a writer committing one row per `db2 insert` into {TABLE}; log_ship_interval {args.interval} s; "
        f"{os.cpu_count()} cores")
    say(f"  uptime at the start: {m['load_start']}")
    say(f"  uptime at the end:   {m['load_end']}")
    say(f"  full online backup: {m['backup_seconds']:.1f} s, {m['backup_stored'] / 1e6:.1f} MB stored; writer refused "
        f"{len(m['refused'])} inserts of {len(m['acks']) + len(m['refused'])}")

    off = (m["off_before"] + m["off_after"]) / 2
    say(f"\n{'writer commit rate':62} {'commits/s':>10}")
    say(f"  {'shipping off, ' + str(RATE_SECONDS) + ' s before the backup':60} {m['off_before']:10.1f}")
    say(f"  {'shipping on, first ' + str(RATE_SECONDS) + ' s after the backup':60} {m['on_first']:10.1f}")
    say(f"  {f'shipping on, the whole run ({args.minutes:g} min after the backup)':60} {m['on_run']:10.1f}")
    say(f"  {'shipping off, ' + str(RATE_SECONDS) + ' s after the run (an agent without it)':60} "
        f"{m['off_after']:10.1f}")
    run_cost = 1 - m["on_run"] / off
    say(f"  the whole run against the mean of the two off windows ({off:.1f}/s): "
        f"{run_cost:.1%} fewer commits/s (first minute alone: {1 - m['on_first'] / off:.1%}; the run also lists "
        f"Swift every {POLL_SECONDS:g} s)")
    turns = m["turns"]
    ons = [turn for turn in turns if turn["on"]]
    offs = [turn for turn in turns if not turn["on"]]
    say(f"  then in turns, a fresh agent per {RATE_SECONDS}-s window, nothing listing Swift: "
        + ", ".join(f"{'on' if turn['on'] else 'off'} {turn['rate']:.1f}" for turn in turns))
    # Each on window against the mean of the off windows on either side of it.
    paired = [1 - turns[i]["rate"] / ((turns[i - 1]["rate"] + turns[i + 1]["rate"]) / 2)
              for i in range(1, len(turns) - 1, 2)]
    cost = statistics.mean(paired)
    say(f"  cost of shipping: each on window against its two neighbours off: "
        + ", ".join(f"{value:.1%}" for value in paired) + f"; mean {cost:.1%}")
    def per_second(windows, key):
        """CPU milliseconds per second of the windows, from `key`."""
        return 1000 * sum(window[key] for window in windows) / (RATE_SECONDS * len(windows))

    say(f"  CPU ms per second of window: the agent {per_second(ons, 'agent_cpu'):.1f} shipping, "
        f"{per_second(offs, 'agent_cpu'):.1f} not; the local Swift servers {per_second(ons, 'swift_cpu'):.1f} and "
        f"{per_second(offs, 'swift_cpu'):.1f}; on {os.cpu_count()} cores shared with the writer")

    say(f"\nlogs shipped: {len(m['logs'])} ({len(run_logs)} archived during the run), "
        f"{sum(log['raw'] for log in m['logs']) / 1e6:.1f} MB of log, "
        f"{sum(log['stored'] for log in m['logs']) / 1e6:.1f} MB stored; archived every "
        f"{statistics.median(spacing) if spacing else float('nan'):.1f} s (median); from archived to listed "
        f"{statistics.median(lag) if lag else float('nan'):.1f} s median, {max(lag) if lag else float('nan'):.1f} s "
        f"max; {len(m['listing_failures'])} listing failures")
    say(f"RPO per commit, {len(m['run_acks'])} rows acknowledged during the run (from the backup's end):")
    say(f"  from a row's acknowledgement (its insert returned, the commit a moment before) to the first listing "
        f"(every {POLL_SECONDS:g} s) holding")
    say("  the first log archived at or after it and every log archived before that one: an upper bound, late by up "
        "to a poll")
    if covered:
        say(f"  median {statistics.median(covered):.1f} s, p99 {covered[int(0.99 * (len(covered) - 1))]:.1f} s, "
            f"max {covered[-1]:.1f} s")
    uncovered = len(rpos) - len(covered)
    if uncovered:
        say(f"  {uncovered} rows of the run were in no log listed before the watch ended")

    pitr, alone = m["pitr"], m["alone"]
    pitr_ok = pitr["ids"] == m["expected_point"] and pitr["orders"] == rows
    alone_max = max(alone["ids"], default=0)
    alone_ok = (alone["ids"] == [row for row in acked_ids if row <= alone_max]
                and alone_max >= max(m["before_backup"], default=0) and alone["orders"] == rows)
    point_offset = m["point"] - m["backup_end"]
    say(f"\n{'restore through prepare into a fresh guest':58} {'seconds':>8} {'download+unpack':>16} "
        f"{'RESTORE→running':>16} {'rows in ' + TABLE:>14}  check")
    say(f"{'backup + shipped logs, restore_until ' + str(round(point_offset)) + ' s after the backup':58} "
        f"{pitr['wall']:8.1f} {pitr['download']:16.1f} {pitr['after_restore']:16.1f} {len(pitr['ids']):14}  "
        + ("exactly the rows acknowledged by the point" if pitr_ok else
           f"WRONG: expected {len(m['expected_point'])} rows (1..{m['point_row']}) and {rows} in ORDERS, "
           f"got {pitr['orders']} in ORDERS"))
    say(f"{'the backup alone':58} {alone['wall']:8.1f} {alone['download']:16.1f} {alone['after_restore']:16.1f} "
        f"{len(alone['ids']):14}  "
        + ("rows 1.." + str(alone_max) + ": every row acknowledged before the backup began, none missing"
           if alone_ok else f"WRONG: not a prefix of the acknowledged rows holding the {len(m['before_backup'])} "
                            f"acknowledged before the backup (or ORDERS {alone['orders']} rows)"))
    say(f"  point-in-time restore / backup alone: {pitr['wall'] / alone['wall']:.2f}x the time, "
        f"{len(pitr['ids']) - len(alone['ids'])} more rows")

    rpo_goal = args.interval + RPO_SLACK_SECONDS
    rpo_met = bool(covered) and not uncovered and covered[-1] <= rpo_goal
    say("\ngoals (issue 16):")
    say(f"  {'RPO max <= log_ship_interval + ' + str(RPO_SLACK_SECONDS) + ' s (' + str(rpo_goal) + ' s)':52} "
        + (f"{covered[-1]:.1f} s" if covered else "no row covered")
        + (f" ({uncovered} rows never covered)" if uncovered else "") + f": {'met' if rpo_met else 'MISSED'}")
    say(f"  {'shipping costs the writer <= ' + format(COST_GOAL, '.0%') + ' of its commits/s':52} {cost:.1%}: "
        f"{'met' if cost <= COST_GOAL else 'MISSED'}")
    say(f"  {'restores hold exactly the rows they should':52} "
        f"{'met' if pitr_ok and alone_ok else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
