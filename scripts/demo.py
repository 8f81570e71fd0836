"""The demo's story, told by Trove's control plane (a real oslo.messaging client) to trove-db2-agent.

Run through scripts/demo, which starts the broker and passes the paths.
"""
import argparse
import getpass
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg

# Trove's exception classes (Tests/Interop/trove_stub), so failures come back as the control plane sees them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop", "trove_stub"))


def step(text):
    print(f"\n== {text}", flush=True)


class Instance:
    """One guest: its own directory, config files and agent process."""

    def __init__(self, args, name):
        self.args = args
        self.guest_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self.dir = os.path.join(args.demo_dir, name)
        os.makedirs(os.path.join(self.dir, "home", "db2inst1"), exist_ok=True)
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

    def start(self):
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
                    return
            if self.process.poll() is not None:
                raise SystemExit(f"the agent exited early; see {self.log}")
            time.sleep(0.1)
        raise SystemExit(f"the agent did not start; see {self.log}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    for option in ("agent", "db2sim", "amqp-port", "demo-dir", "etc", "peer"):
        parser.add_argument(f"--{option}", required=True)
    args = parser.parse_args()
    cfg.CONF([], project="trove-demo")
    url = f"rabbit://guest:guest@127.0.0.1:{args.amqp_port}/"
    transport = messaging.get_rpc_transport(cfg.CONF, url=url, allowed_remote_exmods=["trove.common.exception"])

    instance = Instance(args, "first")
    step(f"starting trove-db2-agent for instance {instance.guest_id}")
    instance.start()
    client = messaging.get_rpc_client(
        transport, messaging.Target(exchange="trove", topic=f"guestagent.{instance.guest_id}", version="1.0"),
        timeout=15)
    try:
        step("taskmanager → guest: rpc_ping")
        t0 = time.monotonic()
        print(f"rpc_ping → {client.call({}, 'rpc_ping')} in {1000 * (time.monotonic() - t0):.1f} ms")
        step("taskmanager → guest: get_filesystem_stats")
        print(json.dumps(client.call({}, "get_filesystem_stats", fs_path=None), indent=2))
        step("taskmanager → guest: enable_root (Trove's DB2 guest does not support it)")
        try:
            client.call({}, "enable_root")
        except Exception as exc:  # shown as the control plane would see it
            print(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        instance.stop()
    step("done")


if __name__ == "__main__":
    main()
