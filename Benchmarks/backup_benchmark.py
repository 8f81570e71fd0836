#!/usr/bin/env python3
"""End-to-end online backup benchmark: trove-db2-agent vs Trove's pipeline, on the same DB2 stand-in database.

Run through Benchmarks/backup-benchmark, which builds, starts RabbitMQ and Swift and passes the paths.
"""
import argparse
import datetime
import getpass
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from swiftclient import client as swift

DATABASE = "BENCH"
KEY = "benchmark-aes-key"


def say(text):
    print(text, flush=True)


class Instance:
    """The DB2 stand-in instance holding the benchmark database (generated once, kept in the work directory)."""

    def __init__(self, work, db2sim, size_mib):
        self.root = os.path.join(work, "instance")
        self.home = os.path.join(self.root, "home")
        self.mount = os.path.join(self.home, "db2inst1")
        self.db2sim = db2sim
        self.size_mib = size_mib
        self.ready = os.path.join(self.root, f"ready-{size_mib}")

    def shell(self, script, check=True):
        profile = os.path.join(self.home, "sqllib", "db2profile")
        result = subprocess.run(["/bin/sh", "-c", f". '{profile}' && {script}"], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise SystemExit(f"{script[:200]!r} failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout

    def prepare(self):
        if os.path.exists(self.ready):
            # Point the instance's tool links at this build (the work directory may outlive it).
            subprocess.run([self.db2sim, "install", "--home", self.home, "--instance", "db2inst1"], check=True,
                           stdout=subprocess.DEVNULL)
            self.shell("db2start >/dev/null 2>&1 || true")
            say(f"database {DATABASE}: {self.size_mib} MiB, generated earlier ({self.root})")
            return
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.mount)
        subprocess.run([self.db2sim, "install", "--home", self.home, "--instance", "db2inst1"], check=True,
                       stdout=subprocess.DEVNULL)
        self.shell(f"db2start >/dev/null && db2 create database {DATABASE} >/dev/null")
        self.shell(f'db2 connect to {DATABASE} >/dev/null && db2 "create table ORDERS (id integer not null, body varchar(30000))" >/dev/null')
        say(f"generating database {DATABASE} ({self.size_mib} MiB of rows; the stand-in inserts at a few MB/s)")
        rng = random.Random(42)
        first = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "SUSAN"]
        last = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "WILSON", "TAYLOR"]
        city = ["SPRINGFIELD", "RIVERSIDE", "FRANKLIN", "GREENVILLE", "BRISTOL", "CLINTON", "FAIRVIEW", "SALEM"]
        status = ["ACTIVE", "CLOSED", "PENDING", "SHIPPED", "RETURNED", "ON HOLD"]
        pool = ["%010d|%-12s|%-12s|%-12s|%04d-%02d-%02d|%12.2f|%-8s|%08X;" % (
            rng.randrange(10**10), rng.choice(first), rng.choice(last), rng.choice(city), rng.randrange(1990, 2026),
            rng.randrange(1, 13), rng.randrange(1, 29), rng.random() * 100000, rng.choice(status),
            rng.getrandbits(32)) for _ in range(20000)]
        target = self.size_mib << 20
        written, row, started = 0, 0, time.monotonic()
        batch = os.path.join(self.root, "batch.sql")
        while written < target:
            with open(batch, "w") as out:
                batch_bytes = 0
                while batch_bytes < (32 << 20) and written + batch_bytes < target:
                    values = []
                    for _ in range(50):
                        body = "".join(rng.choice(pool) for _ in range(100))
                        values.append(f"({row},'{body}')")
                        batch_bytes += len(body)
                        row += 1
                    out.write("insert into ORDERS values " + ",".join(values) + ";\n")
            self.shell(f"db2 connect to {DATABASE} >/dev/null && db2 -tf '{batch}' >/dev/null")
            written += batch_bytes
            rate = written / (time.monotonic() - started) / 1e6
            say(f"  {written >> 20} MiB of {self.size_mib} MiB ({rate:.1f} MB/s)")
        os.remove(batch)
        # Archive logging on (what an online backup needs), then the full backup that clears BACKUP PENDING.
        archive = os.path.join(self.mount, "ArchiveLogs")
        os.makedirs(archive, exist_ok=True)
        self.shell(f"db2 update db cfg for {DATABASE} using LOGARCHMETH1 DISK:{archive} >/dev/null"
                   f" && db2 backup database {DATABASE} to /dev/null >/dev/null")
        open(self.ready, "w").close()

    def data_bytes(self):
        total = 0
        for directory, _, files in os.walk(os.path.join(self.mount, "NODE0000")):
            total += sum(os.path.getsize(os.path.join(directory, f)) for f in files)
        return total


class Conductor:
    target = messaging.Target(version="1.0")

    def __init__(self, transport, topic):
        self.updates = []
        self.statuses = {}
        self.lock = threading.Condition()
        self.server = messaging.get_rpc_server(
            transport, messaging.Target(exchange="trove", topic=topic, server="bench"), [self], executor="threading",
            access_policy=messaging.DefaultRPCAccessPolicy)
        self.server.start()

    def heartbeat(self, ctxt, instance_id, payload, sent=None):
        with self.lock:
            self.statuses[instance_id] = (payload or {}).get("service_status")
            self.lock.notify_all()

    def wait_status(self, instance_id, wanted, timeout=3600):
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.statuses.get(instance_id) not in wanted:
                if not self.lock.wait(max(0, deadline - time.monotonic())):
                    raise SystemExit(f"{instance_id} never reported any of {wanted}")
            return self.statuses[instance_id], time.monotonic()

    def update_backup(self, ctxt, instance_id, backup_id, sent=None, **fields):
        with self.lock:
            self.updates.append(dict(fields, backup_id=backup_id, at=time.monotonic()))
            self.lock.notify_all()

    def wait_end(self, backup_id, timeout=3600):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for update in self.updates:
                    if update["backup_id"] == backup_id and update.get("state") in ("COMPLETED", "FAILED"):
                        return update
                if not self.lock.wait(max(0, deadline - time.monotonic())):
                    raise SystemExit("no end of the backup reported")


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_agent(args, instance, topic, name):
    """Starts the agent for `instance`, reporting to conductor `topic`; returns (process, log path, guest id)."""
    guest = f"bench-{uuid.uuid4().hex[:6]}"
    state = os.path.join(args.work, name)
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    config = os.path.join(state, "agent.conf")
    with open(config, "w") as f:
        f.write(f"""[DEFAULT]
guest_id = {guest}
transport_url = rabbit://guest:guest@127.0.0.1:{os.environ['AMQP_PORT']}/
control_exchange = trove
conductor_queue = {topic}
state_dir = {state}/state
backup_aes_cbc_key = {KEY}
backup_segment_max_size = {args.segment_mib << 20}
backup_swift_container = bench_ours
log_level = info
[db2]
backup_strategy = DB2OnlineBackup
instance_owner = {getpass.getuser()}
instance_home = {instance.home}
mount_point = {instance.mount}
volume_support = False
""")
    log_path = os.path.join(state, "agent.log")
    log = open(log_path, "w")
    agent = subprocess.Popen([args.agent, "run", "--config-file", config], stderr=log, env=dict(os.environ, HOME=state))
    deadline = time.monotonic() + 60
    while "consuming RPC" not in open(log_path).read():
        if agent.poll() is not None or time.monotonic() > deadline:
            agent.terminate()
            raise SystemExit(f"the agent did not start; see {log_path}")
        time.sleep(0.1)
    time.sleep(1)  # let start-up work (recoverability check) settle before measuring
    return agent, log_path, guest


def run_ours(args, instance, transport, auth):
    url, token = auth
    topic = f"trove-conductor-{uuid.uuid4().hex[:6]}"
    conductor = Conductor(transport, topic)
    agent, log_path, guest = start_agent(args, instance, topic, "agent")
    try:
        rss_idle = status_kib(agent.pid, "VmRSS")
        cpu_before = cpu_seconds(agent.pid)
        client = messaging.get_rpc_client(transport, messaging.Target(exchange="trove", topic=f"guestagent.{guest}", version="1.0"))
        context = {"auth_token": token, "tenant": "test", "request_id": f"req-{uuid.uuid4()}",
                   "service_catalog": [{"type": "object-store", "endpoints": [{"region": "RegionOne", "publicURL": url}]}]}
        backup_id = str(uuid.uuid4())
        started = time.monotonic()
        client.cast(context, "create_backup", backup_info={"id": backup_id, "instance_id": guest, "datastore": "db2",
                                                           "datastore_version": "11.5", "parent": None})
        end = conductor.wait_end(backup_id)
        wall = end["at"] - started
        if end["state"] != "COMPLETED":
            raise SystemExit(f"our backup FAILED: {end.get('note')} (see {log_path})")
        peak = status_kib(agent.pid, "VmHWM")
        cpu = cpu_seconds(agent.pid) - cpu_before
        stored = int(swift.head_object(url, token, "bench_ours", backup_id + ".gz.enc")["content-length"])
        _, manifest = swift.get_object(url, token, "bench_ours", backup_id + ".gz.enc",
                                       query_string="multipart-manifest=get")
        try:
            segments = len(json.loads(manifest))
        except ValueError:
            segments = 1  # a single segment is copied to the backup's name
        return {"wall": wall, "peak_kib": peak, "idle_kib": rss_idle, "cpu": cpu, "stored": stored, "end": end,
                "id": backup_id, "segments": segments}
    finally:
        agent.terminate()
        agent.wait(timeout=60)
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


def log_time(line):
    return datetime.datetime.fromisoformat(line.split(" ", 1)[0].replace("Z", "+00:00")).timestamp()


def restore_ours(args, instance, transport, auth, ours, proxy):
    """`prepare` with our backup's `backup_info` on the same instance (RESTORE ... REPLACE EXISTING of the same
    database), the storage reached through the capped proxy. Returns the whole prepare's wall time and the
    download-and-unpack phase's, read from the agent's log."""
    url, token = auth
    topic = f"trove-conductor-{uuid.uuid4().hex[:6]}"
    conductor = Conductor(transport, topic)
    agent, log_path, guest = start_agent(args, instance, topic, "agent-restore")
    try:
        client = messaging.get_rpc_client(transport, messaging.Target(exchange="trove", topic=f"guestagent.{guest}", version="1.0"))
        context = {"auth_token": token, "tenant": "test", "request_id": f"req-{uuid.uuid4()}",
                   "service_catalog": [{"type": "object-store", "endpoints": [
                       {"region": "RegionOne", "publicURL": proxy.storage_url(url)}]}]}
        end = ours["end"]
        info = {"id": ours["id"], "instance_id": guest, "location": end["location"], "type": end.get("backup_type"),
                "checksum": end["checksum"]}
        started = time.monotonic()
        client.cast(context, "prepare", packages=[], databases=[], memory_mb=512, users=[], device_path=None,
                    mount_point=instance.mount, backup_info=info, config_contents="", root_password=None,
                    overrides=None, cluster_config=None, snapshot=None, modules=None)
        status, at = conductor.wait_status(guest, ("running", "failed to spawn"))
        if status != "running":
            raise SystemExit(f"our restore ended {status} (see {log_path})")
        download = restore_step = None
        for line in open(log_path):
            if "download and unpack" in line and "restore of backup" in line and download is None:
                download = log_time(line)
            if "RESTORE" in line and "restore of backup" in line and restore_step is None:
                restore_step = log_time(line)
        if download is None or restore_step is None:
            raise SystemExit(f"the restore's steps are not in {log_path}")
        return {"wall": at - started, "download": restore_step - download,
                "peak_kib": status_kib(agent.pid, "VmHWM")}
    finally:
        agent.terminate()
        agent.wait(timeout=60)
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--db2sim", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--segment-mib", type=int, default=256)
    parser.add_argument("--cap-mbps", type=float, default=20, help="per-connection cap of the restore's proxy, MB/s")
    args = parser.parse_args()

    logging.basicConfig(level=logging.ERROR)  # kombu's chatter stays out of the figures
    instance = Instance(args.work, args.db2sim, args.size_mib)
    instance.prepare()
    try:
        measure(args, instance)
    finally:
        instance.shell("db2stop force >/dev/null 2>&1 || true", check=False)  # the data stays for the next run


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
    for container in ("bench_ours", "bench_trove", "bench_trove_segments"):
        try:
            _, objects = swift.get_container(auth[0], auth[1], container, full_listing=True)
            for item in objects:
                swift.delete_object(auth[0], auth[1], container, item["name"])
        except swift.ClientException:
            pass


if __name__ == "__main__":
    sys.exit(main())
