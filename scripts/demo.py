"""The demo's story, told by Trove's control plane (real oslo.messaging) to trove-db2-agent on the DB2 stand-in.

1. Instance "first": its agent starts; the taskmanager casts prepare with a database.
2. A writer inserts rows, one committed transaction each, and keeps going.
3. The taskmanager casts create_backup: an online backup (applications stay connected) to LocalStorage.
4. Instance "second" is prepared from that backup (restore + rollforward to the end of the backup).
5. Row counts of both instances, and every conductor message seen.

Run through scripts/demo, which builds, starts the broker and passes the paths.
"""
import argparse
import getpass
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg

# Trove's exception classes (Tests/Interop/trove_stub), so failures come back as the control plane sees them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop", "trove_stub"))

DATABASE = "DEMODB"
TABLE = "ORDERS"


def step(text):
    print(f"\n== {text}", flush=True)


def say(text):
    print(f"   {text}", flush=True)


class Conductor:
    """Trove's conductor: an RPC server on its own topic that keeps every call it receives."""

    target = messaging.Target(version="1.0")

    def __init__(self, transport, topic):
        self.calls = []
        self.lock = threading.Condition()
        self.server = messaging.get_rpc_server(
            transport, messaging.Target(exchange="trove", topic=topic, server="conductor"), [self],
            executor="threading", access_policy=messaging.DefaultRPCAccessPolicy)

    def _record(self, method, **args):
        with self.lock:
            self.calls.append((time.monotonic(), method, args))
            self.lock.notify_all()

    def heartbeat(self, ctxt, instance_id, payload, sent=None):
        self._record("heartbeat", instance_id=instance_id, payload=payload, sent=sent)

    def update_backup(self, ctxt, instance_id, backup_id, sent=None, **fields):
        self._record("update_backup", instance_id=instance_id, backup_id=backup_id, sent=sent, **fields)

    def notify_end(self, ctxt, serialized_notification, notification_args):
        self._record("notify_end")

    def notify_exc_info(self, ctxt, serialized_notification, message, exception):
        self._record("notify_exc_info", message=message)

    def wait_for(self, what, predicate, start=0, timeout=120):
        """The first call from index `start` on for which predicate(method, args) holds, waiting for it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for call in self.calls[start:]:
                    if predicate(call[1], call[2]):
                        return call[2]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"the conductor did not see {what} within {timeout} s")
                self.lock.wait(left)


class Instance:
    """One guest: its own directory, DB2 stand-in instance, config files and agent process."""

    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.guest_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self.dir = os.path.join(args.demo_dir, name)
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run([args.db2sim, "install", "--home", self.home, "--instance", "db2inst1"], check=True,
                       stdout=subprocess.DEVNULL)
        os.makedirs(os.path.join(self.home, "db2inst1"), exist_ok=True)
        values = {
            "@AMQP_PORT@": str(args.amqp_port), "@DEMO_DIR@": args.demo_dir, "@INSTANCE_DIR@": self.dir,
            "@INSTANCE_OWNER@": getpass.getuser(), "@GUEST_ID@": self.guest_id,
        }
        self.configs = []
        for file in ("trove-guestagent.conf", "guest_info.conf"):
            with open(os.path.join(args.etc, file)) as f:
                text = f.read()
            for key, value in values.items():
                text = text.replace(key, value)
            path = os.path.join(self.dir, file)
            with open(path, "w") as f:
                f.write(text)
            self.configs.append(path)
        self.process = None
        self.log = os.path.join(self.dir, "agent.log")

    def start(self, transport):
        command = [self.args.agent, "run"]
        for path in self.configs:
            command += ["--config-file", path]
        env = dict(os.environ, HOME=self.dir)
        self.logfile = open(self.log, "w")
        self.process = subprocess.Popen(command, stderr=self.logfile, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(self.log) as f:
                if "consuming RPC" in f.read():
                    break
            if self.process.poll() is not None:
                raise SystemExit(f"the agent exited early; see {self.log}")
            time.sleep(0.1)
        else:
            raise SystemExit(f"the agent did not start; see {self.log}")
        self.client = messaging.get_rpc_client(
            transport, messaging.Target(exchange="trove", topic=f"guestagent.{self.guest_id}", version="1.0"),
            timeout=15)

    def shell(self, script):
        """Runs a shell script with this instance's DB2 environment; returns its output."""
        profile = os.path.join(self.home, "sqllib", "db2profile")
        result = subprocess.run(["/bin/sh", "-c", f". '{profile}' && {script}"], capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{script!r} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def count_rows(self):
        return int(self.shell(f'db2 connect to {DATABASE} >/dev/null && db2 -x "select count(*) from {TABLE}"').strip())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            self.shell("db2stop force >/dev/null 2>&1 || true")
        except SystemExit:
            pass


class Writer:
    """Inserts rows one transaction at a time until stopped; counts the rows DB2 acknowledged."""

    def __init__(self, instance):
        self.acked = os.path.join(instance.dir, "writer-acked")
        self.stop_file = os.path.join(instance.dir, "writer-stop")
        profile = os.path.join(instance.home, "sqllib", "db2profile")
        script = f"""
            . '{profile}' || exit 1
            db2 connect to {DATABASE} >/dev/null || exit 1
            i=1
            while [ $i -le 20000 ] && [ ! -e '{self.stop_file}' ]; do
                db2 "insert into {TABLE} values ($i, 'order $i')" >/dev/null && echo $i >> '{self.acked}'
                i=$((i + 1))
            done
            db2 connect reset >/dev/null
        """
        self.process = subprocess.Popen(["/bin/sh", "-c", script])

    def count(self):
        try:
            with open(self.acked) as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def stop(self):
        open(self.stop_file, "w").close()
        self.process.wait(timeout=60)
        return self.count()


def prepare(conductor, instance, backup_info=None, context=None):
    started = len(conductor.calls)
    instance.client.cast(context or {}, "prepare", packages=[], databases=[{"_name": DATABASE}] if not backup_info else [],
                         memory_mb=2048, users=[], device_path=None, mount_point=os.path.join(instance.home, "db2inst1"),
                         backup_info=backup_info, config_contents=None, root_password=None, overrides=None,
                         cluster_config=None, snapshot=None, modules=None)
    outcome = conductor.wait_for(
        f"the end of {instance.name}'s prepare",
        lambda method, args: method == "heartbeat" and args["instance_id"] == instance.guest_id
        and args["payload"]["service_status"] in ("running", "failed to spawn"), start=started)
    status = outcome["payload"]["service_status"]
    if status != "running":
        raise SystemExit(f"prepare of {instance.name} ended with {status!r}; see {instance.log}")
    say(f"heartbeat: {status}")


def main():
    parser = argparse.ArgumentParser()
    for option in ("agent", "db2sim", "amqp-port", "demo-dir", "etc"):
        parser.add_argument(f"--{option}", required=True)
    args = parser.parse_args()
    begin = time.monotonic()
    logging.basicConfig(level=logging.ERROR)  # oslo.messaging and kombu chatter stays out of the story
    cfg.CONF([], project="trove-demo")
    url = f"rabbit://guest:guest@127.0.0.1:{args.amqp_port}/"
    transport = messaging.get_rpc_transport(cfg.CONF, url=url, allowed_remote_exmods=["trove.common.exception"])
    conductor = Conductor(transport, "trove-conductor")
    conductor.server.start()
    context = {"request_id": f"req-{uuid.uuid4()}", "tenant": "demo-tenant", "user": "demo", "auth_token": "demo-token"}

    first = Instance(args, "first")
    second = Instance(args, "second")
    writer = None
    try:
        step(f"instance {first.guest_id}: start trove-db2-agent, prepare with database {DATABASE}")
        first.start(transport)
        prepare(conductor, first, context=context)
        say(f"rpc_ping → {first.client.call({}, 'rpc_ping')}")
        say(f"list_databases → {first.client.call({}, 'list_databases', limit=None, marker=None, include_marker=False)}")
        first.shell(f'db2 connect to {DATABASE} >/dev/null && db2 "create table {TABLE} (id integer not null, note varchar(40))" >/dev/null')

        step("a writer inserts rows, one committed transaction each, and keeps going")
        writer = Writer(first)
        while writer.count() < 30:
            time.sleep(0.05)
        say(f"{writer.count()} rows committed so far")

        backup_id = str(uuid.uuid4())
        step(f"create_backup {backup_id[:8]} (online: the writer stays connected)")
        first.client.cast(context, "create_backup", backup_info={
            "id": backup_id, "name": "demo", "description": None, "instance_id": first.guest_id,
            "backup_type": None, "checksum": None, "parent": None, "datastore": "db2", "datastore_version": "11.5"})
        at_cast = writer.count()
        done = conductor.wait_for(
            "the backup's end",
            lambda method, args: method == "update_backup" and args["backup_id"] == backup_id
            and args.get("state") in ("COMPLETED", "FAILED"))
        at_end = writer.count()
        if done["state"] != "COMPLETED":
            raise SystemExit(f"backup FAILED: {done.get('note')}; see {first.log}")
        say(f"COMPLETED: {done['backup_type']}, {done['location']}")
        say(f"checksum {done['checksum']}; rows committed when it was cast: {at_cast}, when it completed: {at_end}")
        while writer.count() < at_end + 10:
            time.sleep(0.05)
        rows_first = writer.stop()
        say(f"the writer went on after the backup: {rows_first} rows committed in all")

        step(f"instance {second.guest_id}: prepare from the backup (restore + rollforward to the end of the backup)")
        second.start(transport)
        prepare(conductor, second, backup_info={
            "id": backup_id, "instance_id": second.guest_id, "location": done["location"],
            "type": done["backup_type"], "checksum": done["checksum"]}, context=context)

        step("row counts")
        count_first, count_second = first.count_rows(), second.count_rows()
        say(f"first  ({first.guest_id}): {count_first} rows")
        say(f"second ({second.guest_id}): {count_second} rows, restored from the backup")
        if not at_cast <= count_second <= at_end:
            raise SystemExit(f"the restored instance has {count_second} rows, expected between {at_cast} and {at_end}")
        say(f"every row committed before the backup ended is there ({at_cast} ≤ {count_second} ≤ {at_end}), "
            f"and none written after it")

        step("what the conductor saw")
        origin = conductor.calls[0][0] if conductor.calls else 0
        for at, method, call in conductor.calls:
            who = "first " if call.get("instance_id") == first.guest_id else "second"
            if method == "heartbeat":
                detail = call["payload"]["service_status"]
            elif method == "update_backup":
                detail = " ".join(f"{key}={call[key]}" for key in ("state", "size", "backup_type", "checksum", "note")
                                  if key in call)
            else:
                detail = json.dumps({k: v for k, v in call.items() if k != "sent"})[:100]
            say(f"+{at - origin:6.2f} s  {who}  {method:<14} {detail}")
    finally:
        if writer and writer.process.poll() is None:
            writer.stop()
        for instance in (first, second):
            instance.stop()
        conductor.server.stop()
        conductor.server.wait()
    step(f"done in {time.monotonic() - begin:.0f} s")


if __name__ == "__main__":
    main()
