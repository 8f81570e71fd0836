"""What the end-to-end benchmarks share: a DB2 stand-in instance (and the benchmark database, generated once), the
agent started on it as a Trove guest, Trove's conductor (real oslo.messaging) hearing it, and the process figures
read from /proc.

Used by Benchmarks/backup_benchmark.py, Benchmarks/incremental_benchmark.py and Benchmarks/pitr_benchmark.py, which
their shell wrappers run with RabbitMQ and Swift started (Benchmarks/services.sh).
"""
import argparse
import datetime
import getpass
import os
import random
import shutil
import subprocess
import threading
import time
import uuid

import oslo_messaging as messaging
from swiftclient import client as swift

DATABASE = "BENCH"
KEY = "benchmark-aes-key"
# Rows are 100 pieces drawn from a pool of order-like records (about 8 KB of text each).
PIECES_PER_ROW = 100
SEED = 42


def say(text):
    print(text, flush=True)


def driver_arguments(default_size_mib):
    """A parser of what Benchmarks/services.sh passes every driver, and --size-mib (the benchmark database's)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--db2sim", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--size-mib", type=int, default=default_size_mib)
    return parser


def row_pool():
    """The pool of order-like records rows are made of (always the same)."""
    rng = random.Random(SEED)
    first = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "SUSAN"]
    last = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "WILSON", "TAYLOR"]
    city = ["SPRINGFIELD", "RIVERSIDE", "FRANKLIN", "GREENVILLE", "BRISTOL", "CLINTON", "FAIRVIEW", "SALEM"]
    status = ["ACTIVE", "CLOSED", "PENDING", "SHIPPED", "RETURNED", "ON HOLD"]
    pool = ["%010d|%-12s|%-12s|%-12s|%04d-%02d-%02d|%12.2f|%-8s|%08X;" % (
        rng.randrange(10**10), rng.choice(first), rng.choice(last), rng.choice(city), rng.randrange(1990, 2026),
        rng.randrange(1, 13), rng.randrange(1, 29), rng.random() * 100000, rng.choice(status),
        rng.getrandbits(32)) for _ in range(20000)]
    return pool, rng


class Instance:
    """A DB2 stand-in instance: `db2sim install --home <root>/home`, DB2's local database directory (Trove's mount
    point) at <home>/db2inst1."""

    def __init__(self, root, db2sim):
        self.root = root
        self.home = os.path.join(root, "home")
        self.mount = os.path.join(self.home, "db2inst1")
        self.db2sim = db2sim

    def install(self):
        """Installs the instance, or points an existing one's tool links at this build (the work directory may
        outlive it)."""
        os.makedirs(self.mount, exist_ok=True)
        subprocess.run([self.db2sim, "install", "--home", self.home, "--instance", "db2inst1"], check=True,
                       stdout=subprocess.DEVNULL)

    def shell(self, script, check=True):
        profile = os.path.join(self.home, "sqllib", "db2profile")
        result = subprocess.run(["/bin/sh", "-c", f". '{profile}' && {script}"], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise SystemExit(
                f"{script[:200]!r} failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout

    def stop(self):
        self.shell("db2stop force >/dev/null 2>&1 || true", check=False)

    def insert_rows(self, rng, pool, first_row, rows=None, target_bytes=None, progress=None):
        """Inserts rows `first_row`, `first_row + 1`, ... into ORDERS, 50 a statement (each statement commits),
        until `rows` rows or `target_bytes` bytes of row text are written; returns (the next row, bytes written)."""
        written, row, started = 0, first_row, time.monotonic()
        batch = os.path.join(self.root, "batch.sql")

        def more(batch_bytes):
            return row < first_row + rows if rows is not None else written + batch_bytes < target_bytes

        while more(0):
            with open(batch, "w") as out:
                batch_bytes = 0
                while batch_bytes < (32 << 20) and more(batch_bytes):
                    values = []
                    for _ in range(50 if rows is None else min(50, first_row + rows - row)):
                        body = "".join(rng.choice(pool) for _ in range(PIECES_PER_ROW))
                        values.append(f"({row},'{body}')")
                        batch_bytes += len(body)
                        row += 1
                    out.write("insert into ORDERS values " + ",".join(values) + ";\n")
            self.shell(f"db2 connect to {DATABASE} >/dev/null && db2 -tf '{batch}' >/dev/null")
            written += batch_bytes
            if progress:
                progress(written, written / (time.monotonic() - started) / 1e6)
        os.remove(batch)
        return row, written

    def data_bytes(self):
        total = 0
        for directory, _, files in os.walk(os.path.join(self.mount, "NODE0000")):
            total += sum(os.path.getsize(os.path.join(directory, f)) for f in files)
        return total


def generated_instance(root, db2sim, size_mib):
    """The instance at `root` holding database BENCH, table ORDERS (id, body), `size_mib` MiB of rows, archive
    logging on and the backup that clears BACKUP PENDING taken; generated once (the stand-in inserts at a few MB/s)
    and kept: a file `ready-<size>` in `root` says it is complete and holds the number of rows. Started."""
    instance = Instance(root, db2sim)
    instance.ready = os.path.join(root, f"ready-{size_mib}")
    if os.path.exists(instance.ready):
        instance.install()
        instance.shell("db2start >/dev/null 2>&1 || true")
        say(f"database {DATABASE}: {size_mib} MiB, generated earlier ({root})")
        return instance
    shutil.rmtree(root, ignore_errors=True)
    instance.install()
    instance.shell(f"db2start >/dev/null && db2 create database {DATABASE} >/dev/null")
    instance.shell(f'db2 connect to {DATABASE} >/dev/null'
                   ' && db2 "create table ORDERS (id integer not null, body varchar(30000))" >/dev/null')
    say(f"generating database {DATABASE} ({size_mib} MiB of rows; the stand-in inserts at a few MB/s)")
    pool, rng = row_pool()
    rows, _ = instance.insert_rows(
        rng, pool, 0, target_bytes=size_mib << 20,
        progress=lambda written, rate: say(f"  {written >> 20} MiB of {size_mib} MiB ({rate:.1f} MB/s)"))
    # Archive logging on (what an online backup needs), then the full backup that clears BACKUP PENDING.
    archive = os.path.join(instance.mount, "ArchiveLogs")
    os.makedirs(archive, exist_ok=True)
    instance.shell(f"db2 update db cfg for {DATABASE} using LOGARCHMETH1 DISK:{archive} >/dev/null"
                   f" && db2 backup database {DATABASE} to /dev/null >/dev/null")
    with open(instance.ready, "w") as f:
        f.write(f"{rows}\n")
    return instance


def source_instance(work, db2sim, size_mib):
    """The benchmark database in <work>/instance, as generated: each run starts from a copy of the state kept in
    <work>/pristine-<size> (made at the first run), so that runs are alike. Started; returns (instance, rows).

    The copy only works in place: the stand-in records its instance home and database directory as absolute paths
    (and LOGARCHMETH1 names <work>/instance/...), so two benchmarks share a pristine copy by sharing --work."""
    root = os.path.join(work, "instance")
    pristine = os.path.join(work, f"pristine-{size_mib}")
    marker = f"ready-{size_mib}"
    if os.path.exists(os.path.join(root, "home")):
        Instance(root, db2sim).stop()
    if os.path.exists(os.path.join(pristine, marker)):
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(["cp", "-a", pristine, root], check=True)
        instance = generated_instance(root, db2sim, size_mib)
    else:
        shutil.rmtree(root, ignore_errors=True)
        instance = generated_instance(root, db2sim, size_mib)
        instance.stop()
        copy = pristine + ".partial"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(pristine, ignore_errors=True)
        subprocess.run(["cp", "-a", root, copy], check=True)
        os.rename(copy, pristine)
        instance.shell("db2start >/dev/null")
    with open(instance.ready) as f:
        text = f.read().strip()
    if text:
        return instance, int(text)
    # A database generated before the row count was recorded.
    return instance, row_count(instance)


def row_count(instance, table="ORDERS"):
    output = instance.shell(f'db2 connect to {DATABASE} >/dev/null && db2 -x "select count(*) from {table}"')
    return int(output.split()[0])


class Conductor:
    """Trove's conductor on `topic`: the heartbeats' statuses and every update_backup, with when each arrived."""

    target = messaging.Target(version="1.0")

    def __init__(self, transport, topic):
        self.topic = topic
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

    def forget_status(self, instance_id):
        with self.lock:
            self.statuses.pop(instance_id, None)

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


def reset_peak_rss(pid):
    """Starts VmHWM (the peak RSS) again from the current RSS (Linux 4.0+), so that it measures what follows."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_agent(binary, work, instance, topic, name, segment_bytes, container, db2_options=None):
    """Starts the agent (state in <work>/<name>) for `instance`, reporting to conductor `topic`, backing up to
    `container`, with `db2_options` ({option: value}) added to its [db2] section; returns (process, log path,
    guest id)."""
    guest = f"bench-{uuid.uuid4().hex[:6]}"
    state = os.path.join(work, name)
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
backup_segment_max_size = {segment_bytes}
backup_swift_container = {container}
log_level = info
[db2]
backup_strategy = DB2OnlineBackup
instance_owner = {getpass.getuser()}
instance_home = {instance.home}
mount_point = {instance.mount}
volume_support = False
""")
        for option, value in (db2_options or {}).items():
            f.write(f"{option} = {value}\n")
    log_path = os.path.join(state, "agent.log")
    log = open(log_path, "w")
    agent = subprocess.Popen([binary, "run", "--config-file", config], stderr=log, env=dict(os.environ, HOME=state))
    deadline = time.monotonic() + 60
    while "consuming RPC" not in open(log_path).read():
        if agent.poll() is not None or time.monotonic() > deadline:
            agent.terminate()
            raise SystemExit(f"the agent did not start; see {log_path}")
        time.sleep(0.1)
    time.sleep(1)  # let start-up work (recoverability check) settle before measuring
    return agent, log_path, guest


def stop_agent(agent):
    agent.terminate()
    agent.wait(timeout=60)


def guest_client(transport, guest):
    """Trove's guest API client for `guest` (casts on `guestagent.<guest>`)."""
    return messaging.get_rpc_client(
        transport, messaging.Target(exchange="trove", topic=f"guestagent.{guest}", version="1.0"))


def request_context(storage_url, token):
    """A request context as the taskmanager sends it: the token and Swift in the service catalog."""
    return {"auth_token": token, "tenant": "test", "request_id": f"req-{uuid.uuid4()}",
            "service_catalog": [{"type": "object-store", "endpoints": [
                {"region": "RegionOne", "publicURL": storage_url}]}]}


def cast_backup(client, context, backup_id, guest, parent):
    """`create_backup` as the taskmanager casts it; `parent` is Trove's {location, checksum} or None."""
    client.cast(context, "create_backup", backup_info={"id": backup_id, "instance_id": guest, "datastore": "db2",
                                                       "datastore_version": "11.5", "parent": parent})


def cast_prepare(client, context, instance, backup_info):
    """`prepare` as the taskmanager casts it for a new instance restored from a backup."""
    client.cast(context, "prepare", packages=[], databases=[], memory_mb=512, users=[], device_path=None,
                mount_point=instance.mount, backup_info=backup_info, config_contents="", root_password=None,
                overrides=None, cluster_config=None, snapshot=None, modules=None)


def restore_info(backup_id, guest, end):
    """prepare's `backup_info`, as the taskmanager builds it from a COMPLETED backup's update."""
    return {"id": backup_id, "instance_id": guest, "location": end["location"], "type": end.get("backup_type"),
            "checksum": end["checksum"]}


def empty_container(auth, container):
    """Deletes every object in `container` (auth: Swift's storage URL and token), if there is one."""
    url, token = auth
    try:
        _, objects = swift.get_container(url, token, container, full_listing=True)
    except swift.ClientException:
        return
    for item in objects:
        swift.delete_object(url, token, container, item["name"])


def log_time(line):
    return datetime.datetime.fromisoformat(line.split(" ", 1)[0].replace("Z", "+00:00")).timestamp()


def download_seconds(log_path):
    """A restore's download-and-unpack phase (of every backup it needs), read from the agent's log: from the first
    download to the first RESTORE."""
    download = restore_step = None
    for line in open(log_path):
        if "download and unpack" in line and "restore of backup" in line and download is None:
            download = log_time(line)
        if "RESTORE" in line and "restore of backup" in line and restore_step is None:
            restore_step = log_time(line)
    if download is None or restore_step is None:
        raise SystemExit(f"the restore's steps are not in {log_path}")
    return restore_step - download
