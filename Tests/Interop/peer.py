#!/usr/bin/env python3
"""Real oslo.messaging peers for the interop tests, playing Trove's control plane.

  peer.py client --url URL --exchange trove --topic guestagent.ID
      Reads JSON commands on stdin, one per line, and answers each with one JSON line on stdout:
        {"op": "call", "method": M, "args": {...}, "context": {...}, "timeout": 15, "version": "1.0"}
        {"op": "cast", "method": M, "args": {...}, "context": {...}}
      → {"ok": true, "result": R} or {"ok": false, "class": C, "module": MOD, "message": TEXT}
  peer.py conductor --url URL --exchange trove [--topic trove-conductor]
      An RPC server with Trove's conductor methods; prints each call it receives as a JSON line
      {"method": M, "args": {...}, "context": {...}} and "READY" once it is consuming.
  peer.py ping-server --url URL --exchange trove --topic T
      An RPC server with rpc_ping, for benchmarks; prints READY.
  peer.py ping-client --url URL --exchange trove --topic T --count N
      Calls rpc_ping N times and prints one JSON line with the latencies in seconds.

Every role takes --durable (amqp_durable_queues) and --quorum (rabbit_quorum_queue); URL may list several hosts
(rabbit://u:p@h1:p1,u:p@h2:p2/), which oslo.messaging shuffles and fails over between.
"""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "trove_stub"))

from oslo_config import cfg  # noqa: E402
import oslo_messaging as messaging  # noqa: E402

CONF = cfg.CONF


# Trove's secure RPC (trove/common/crypto_utils.py, secure_serializer.py, conductor_*_serializer.py, Ocata to
# Ussuri), re-implemented from the reference (trove-db2.md section 1.10): AES-256-CBC, key = md5(key).hexdigest()
# as 32 ASCII bytes, random 16-byte IV prepended, pad bytes equal to the pad length, base64 text.
def encrypt_data(text, key):
    import base64
    import hashlib
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    data = text.encode("utf-8")
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    iv = os.urandom(16)
    aes_key = hashlib.md5(key.encode("utf-8")).hexdigest().encode("ascii")
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode("ascii")


def decrypt_data(text, key):
    import base64
    import hashlib
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    data = base64.b64decode(text)
    if len(data) < 32 or len(data) % 16:
        raise ValueError("not a ciphertext")
    aes_key = hashlib.md5(key.encode("utf-8")).hexdigest().encode("ascii")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(data[:16])).decryptor()
    plain = decryptor.update(data[16:]) + decryptor.finalize()
    return plain[: len(plain) - plain[-1]].decode("utf-8")


class SecureSerializer(messaging.NoOpSerializer):
    """Trove's SecureSerializer, as the taskmanager and API use it towards the guest."""

    def __init__(self, key):
        self.key = key

    def serialize_entity(self, ctxt, entity):
        return encrypt_data(json.dumps(entity), self.key)

    def deserialize_entity(self, ctxt, entity):
        try:
            return json.loads(decrypt_data(entity, self.key))
        except (ValueError, TypeError):
            return entity

    def serialize_context(self, ctxt):
        return {"context": encrypt_data(json.dumps(ctxt), self.key)}

    def deserialize_context(self, ctxt):
        try:
            return json.loads(decrypt_data(ctxt["context"], self.key))
        except (ValueError, TypeError, KeyError):
            return ctxt


class ConductorHostSerializer(messaging.NoOpSerializer):
    """Trove's ConductorHostSerializer: decrypts what guests send, with the key of the instance named in it."""

    def __init__(self, key):
        self.key = key

    def deserialize_entity(self, ctxt, entity):
        try:
            wrapped = json.loads(entity)
            wrapped["csz-instance-id"]
        except (ValueError, TypeError, KeyError):
            return entity
        return json.loads(decrypt_data(wrapped["entity"], self.key))

    def deserialize_context(self, ctxt):
        if ctxt.get("csz-instance-id") is None:
            return ctxt
        try:
            return json.loads(decrypt_data(ctxt["context"], self.key))
        except (ValueError, TypeError):
            return ctxt


def transport_for(url, durable=False, quorum=False):
    CONF([], project="trove-interop")
    transport = messaging.get_rpc_transport(CONF, url=url, allowed_remote_exmods=["trove.common.exception"])
    if durable:  # amqp_durable_queues: queues and exchanges survive a broker restart (read at the first connection)
        CONF.set_override("amqp_durable_queues", True, group="oslo_messaging_rabbit")
    if quorum:  # rabbit_quorum_queue: replicated queues on a cluster (durable too; read at the first connection)
        CONF.set_override("rabbit_quorum_queue", True, group="oslo_messaging_rabbit")
    return transport


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def describe_exception(exc):
    if isinstance(exc, messaging.RemoteError):
        return {"ok": False, "class": exc.exc_type, "module": "RemoteError", "message": exc.value}
    cls = type(exc)
    name = cls.__name__
    module = cls.__module__
    if name.endswith("_Remote"):
        name = name[: -len("_Remote")]
    if module.endswith("_Remote"):
        module = module[: -len("_Remote")]
    message = str(exc).split("\n")[0]
    return {"ok": False, "class": name, "module": module, "message": message}


def run_client(args):
    transport = transport_for(args.url, args.durable, args.quorum)
    target = messaging.Target(exchange=args.exchange, topic=args.topic, version="1.0")
    emit("READY")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        serializer = SecureSerializer(args.key) if args.key else None
        client = messaging.get_rpc_client(
            transport, target, timeout=command.get("timeout", 15), version_cap=None, serializer=serializer
        ).prepare(version=command.get("version", "1.0"))
        context = command.get("context", {})
        try:
            if command["op"] == "call":
                result = client.call(context, command["method"], **command.get("args", {}))
                emit({"ok": True, "result": result})
            else:
                client.cast(context, command["method"], **command.get("args", {}))
                emit({"ok": True, "result": None})
        except Exception as exc:  # the point is to report what the caller would see
            emit(describe_exception(exc))


class ConductorEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self):
        self.lock = threading.Lock()

    def _record(self, ctxt, method, **kwargs):
        with self.lock:
            emit({"method": method, "args": kwargs, "context": ctxt})

    def heartbeat(self, ctxt, instance_id, payload, sent=None):
        self._record(ctxt, "heartbeat", instance_id=instance_id, payload=payload, sent=sent)

    def update_backup(self, ctxt, instance_id, backup_id, sent=None, **backup_fields):
        self._record(ctxt, "update_backup", instance_id=instance_id, backup_id=backup_id, sent=sent, **backup_fields)

    def notify_end(self, ctxt, serialized_notification, notification_args):
        self._record(ctxt, "notify_end", serialized_notification=serialized_notification,
                     notification_args=notification_args)

    def notify_exc_info(self, ctxt, serialized_notification, message, exception):
        self._record(ctxt, "notify_exc_info", serialized_notification=serialized_notification, message=message,
                     exception=exception)

    def report_root(self, ctxt, instance_id, user=None):
        self._record(ctxt, "report_root", instance_id=instance_id, user=user)


class PingEndpoint:
    target = messaging.Target(version="1.0")

    def rpc_ping(self, ctxt):
        return True


def run_server(args, endpoint, topic, server_name):
    transport = transport_for(args.url, args.durable, args.quorum)
    target = messaging.Target(exchange=args.exchange, topic=topic, server=server_name)
    serializer = ConductorHostSerializer(args.key) if args.key else None
    server = messaging.get_rpc_server(transport, target, [endpoint], executor="threading",
                                      access_policy=messaging.DefaultRPCAccessPolicy, serializer=serializer)
    server.start()
    emit("READY")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def run_ping_client(args):
    transport = transport_for(args.url, args.durable, args.quorum)
    target = messaging.Target(exchange=args.exchange, topic=args.topic, version="1.0")
    client = messaging.get_rpc_client(transport, target, timeout=30)
    client.call({}, "rpc_ping")  # warm up the reply queue
    latencies = []
    start = time.monotonic()
    for _ in range(args.count):
        t0 = time.monotonic()
        client.call({}, "rpc_ping")
        latencies.append(time.monotonic() - t0)
    emit({"latencies": latencies, "elapsed": time.monotonic() - start})


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("client", "conductor", "ping-server", "ping-client"):
        p = sub.add_parser(name)
        p.add_argument("--url", required=True)
        p.add_argument("--exchange", default="trove")
        p.add_argument("--topic", default="trove-conductor")
        p.add_argument("--count", type=int, default=100)
        p.add_argument("--key", default=None, help="Trove's instance_rpc_encr_key: encrypt as Trove's secure RPC")
        p.add_argument("--durable", action="store_true", help="amqp_durable_queues = True")
        p.add_argument("--quorum", action="store_true", help="rabbit_quorum_queue = True")
    args = parser.parse_args()
    if args.command == "client":
        run_client(args)
    elif args.command == "conductor":
        run_server(args, ConductorEndpoint(), args.topic, "conductor")
    elif args.command == "ping-server":
        run_server(args, PingEndpoint(), args.topic, "pinger")
    else:
        run_ping_client(args)


if __name__ == "__main__":
    main()
