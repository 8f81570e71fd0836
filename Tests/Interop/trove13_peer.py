#!/usr/bin/env python3
"""Trove 13.0.0's own control plane (Ussuri, the last release with DB2), for the Trove-13 interop suite.

Runs in `.venv-trove13` (scripts/install-deps: `trove==13.0.0` installed --no-deps beside the Ussuri-era libraries
that import on this Python, scripts/trove13-requirements.txt). One process plays the control plane of one test:

* Trove's database: a SQLite file made by Trove's own migrations (`db_sync`); the datastore, instances, their service
  statuses and backups are rows made with Trove's models, as trove-manage, the API and the taskmanager make them.
* Trove's conductor: `trove.conductor.manager.Manager` behind `trove.common.rpc.service.RpcService` with
  `ConductorHostSerializer`, launched as `trove/cmd/conductor.py` launches it (oslo.service, `persist_instance_fault`
  registered as the notification callback). After each message it reports what Trove did with it: which parts came
  encrypted (`RecordingConductorHostSerializer` only notes that), the message as Trove's serializer decrypted it, the service status or backup row afterwards, the notifications Trove emitted (each
  one passed Trove's required-trait validation to get there), the instance fault Trove recorded, what Trove logged at
  ERROR. `ReportingConductorManager` only adds that report around Trove's methods.
* Trove's API and taskmanager: guests are reached with `trove.common.clients.create_guest_client` (so
  `trove.guestagent.api.API`, through Trove's `remote_guest_client` option a subclass that only notes which RPC
  methods were sent, plain, or with Trove's `SecureSerializer` when the instance row holds a key);
  databases and users through the API's own REST controllers (`SchemaController`, `UserController`,
  `UserAccessController`: `Schema.create`'s duplicate check, `Schemas`, `Users`, `User.create`'s `name@host` marker,
  `User.load`, ...) on a webob request carrying the request context as Trove's ContextMiddleware leaves it; instance
  details with `load_instance_with_info` (`load_guest_info`); `prepare`, `create_backup` and restores with the
  arguments the taskmanager builds; contexts carry the API's notification objects (`DBaaSInstanceCreate`,
  `DBaaSDatabaseCreate`, ...) as real requests do.

Not Trove's production code, because it cannot run here:
* Nova: Trove's fake Nova (`trove.tests.fakes.nova`, the one Trove's fake-mode integration tests use), selected with
  Trove's own `remote_nova_client` option; it answers `Instance.load`'s server lookup (policy checks,
  `load_and_verify`) and `load_instance_with_info`'s server status.
* The notification bus: Trove's notifier is set up by `trove.rpc.init` as in production, with oslo.messaging's
  `test` driver instead of `messagingv2`, so what the conductor emits can be reported (nothing here reads the bus).
* The HTTP layer (paste pipeline, keystonemiddleware, rate limits, JSON schema of the request body) is not run: the
  controllers are called as the WSGI resource calls them, after those.
* The taskmanager's own service is not run: `prepare`, `create_backup` and the wait for ACTIVE are done here with the
  calls and rows its code makes (`_guest_prepare`, `Backup.create`'s `_create_resources`, `_service_is_active`).

Protocol: one JSON command per line on stdin, each answered by one line `{"reply": N, "ok": true, "result": ...}` or
`{"reply": N, "ok": false, "class": C, "module": M, "message": TEXT, "cause": {...}}` (N is the command's "seq");
the conductor's reports are lines `{"conductor": {...}}`. "READY" once the conductor consumes.

    trove13_peer.py --url rabbit://... --conductor-topic T --state-dir DIR
"""
import trove.cmd  # noqa: F401  (first, as in Trove's binaries: eventlet's monkey patching)

import argparse  # noqa: E402
import copy  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import logging as std_logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import threading  # noqa: E402

import eventlet  # noqa: E402
from eventlet import tpool  # noqa: E402
from eventlet import semaphore  # noqa: E402

_stdout = sys.stdout


def emit(obj):
    _stdout.write(json.dumps(obj, default=str) + "\n")
    _stdout.flush()


def configure(args):
    """trove.conf for this control plane, read as Trove's services read theirs."""
    from trove.common import cfg

    path = os.path.join(args.state_dir, "trove.conf")
    with open(path, "w") as conf_file:
        conf_file.write("\n".join([
            "[DEFAULT]",
            "transport_url = %s" % args.url,
            "control_exchange = trove",
            "conductor_queue = %s" % args.conductor_topic,
            # Trove's conductor Manager with a report around each method (below).
            "conductor_manager = __main__.ReportingConductorManager",
            "trove_conductor_workers = 1",
            # There is no Nova here: Trove's own fake Nova, through Trove's option for it.
            "remote_nova_client = trove.tests.fakes.nova.fake_create_nova_client",
            # trove.guestagent.api.API, noting which of its RPC methods were used (below).
            "remote_guest_client = __main__.RecordingGuestAPI",
            # The key that encrypts each instance's RPC key in the database (instances.encrypted_key).
            "inst_rpc_key_encr_key = trove13-peer-instance-key-key",
            "enable_secure_rpc_messaging = False",
            "debug = True",
            "log_file = %s" % os.path.join(args.state_dir, "trove.log"),
            "[database]",
            "connection = sqlite:///%s" % os.path.join(args.state_dir, "trove.sqlite"),
            "[oslo_messaging_notifications]",
            "driver = test",
            "[oslo_messaging_rabbit]",
            "heartbeat_timeout_threshold = 10",
            "",
        ]))
    conf = cfg.CONF
    conf(["--config-file", path], project="trove", prog="trove13-peer")
    from oslo_log import log as logging

    logging.setup(conf, "trove")
    return conf


class ErrorRecords(std_logging.Handler):
    """What Trove logs at ERROR and above (reported with each conductor message)."""

    def __init__(self):
        super().__init__(level=std_logging.ERROR)
        self.records = []

    def emit(self, record):
        try:
            self.records.append(record.getMessage().split("\n")[0])
        except Exception:  # a record that cannot be formatted is still an error
            self.records.append(str(record.msg))


ERRORS = ErrorRecords()
CONDUCTOR_LOCK = semaphore.Semaphore(1)
# What the message being dispatched looked like on the wire (green-thread local: oslo deserializes a message and calls
# the endpoint in the same green thread).
WIRE = threading.local()


def notifications_so_far():
    from oslo_messaging.notify import _impl_test

    return list(_impl_test.NOTIFICATIONS)


def backup_row(backup_id):
    from trove.backup import models as bkup_models

    row = bkup_models.DBBackup.find_by(id=backup_id)
    return {k: getattr(row, k, None) for k in
            ("id", "state", "location", "checksum", "size", "backup_type", "instance_id")}


def service_status(instance_id):
    from trove.instance import models as inst_models

    return inst_models.InstanceServiceStatus.find_by(instance_id=instance_id).status.description


def instance_fault(instance_id):
    from trove.instance import models as inst_models

    try:
        fault = inst_models.DBInstanceFault.find_by(instance_id=instance_id, deleted=False)
    except Exception:  # no fault recorded
        return None
    return {"message": fault.message, "details": fault.details}


def make_reporting_manager():
    from trove.conductor import manager as conductor_manager

    class ReportingConductorManager(conductor_manager.Manager):
        """Trove's conductor Manager, unchanged; each RPC method reports what Trove did with the message."""

        def _report(self, method, context, instance_id, call, **extra):
            with CONDUCTOR_LOCK:
                before_notes = len(notifications_so_far())
                before_errors = len(ERRORS.records)
                report = {"method": method, "instance_id": instance_id,
                          # The csz-instance-id of the encrypted context and of each encrypted argument (null: plain).
                          "context_encrypted_for": getattr(WIRE, "context", None),
                          "args_encrypted_for": list(getattr(WIRE, "entities", [])),
                          "request_id": getattr(context, "request_id", None)}
                report.update(extra)
                try:
                    call()
                    report["ok"] = True
                except Exception as exc:  # Trove's own failure: reported, then raised as oslo would see it
                    report["ok"] = False
                    report["error"] = "%s: %s" % (type(exc).__name__, exc)
                    raise
                finally:
                    report["notifications"] = [
                        {"event_type": message["event_type"], "priority": priority,
                         "publisher_id": message["publisher_id"], "payload": message["payload"]}
                        for (_ctxt, message, priority, _retry) in notifications_so_far()[before_notes:]]
                    report["errors_logged"] = ERRORS.records[before_errors:]
                    try:
                        if method == "heartbeat":
                            report["service_status"] = service_status(instance_id)
                        elif method == "update_backup":
                            report["backup"] = backup_row(extra["backup_id"])
                        if instance_id:
                            report["fault"] = instance_fault(instance_id)
                    except Exception as exc:  # the row is missing: say so
                        report["row_error"] = "%s: %s" % (type(exc).__name__, exc)
                    emit({"conductor": report})

        def heartbeat(self, context, instance_id, payload, sent=None):
            self._report("heartbeat", context, instance_id,
                         lambda: super(ReportingConductorManager, self).heartbeat(context, instance_id, payload, sent),
                         payload=payload, sent=sent)

        def update_backup(self, context, instance_id, backup_id, sent=None, **backup_fields):
            self._report("update_backup", context, instance_id,
                         lambda: super(ReportingConductorManager, self).update_backup(
                             context, instance_id, backup_id, sent, **backup_fields),
                         backup_id=backup_id, sent=sent, fields=backup_fields)

        def report_root(self, context, instance_id, user=None):
            self._report("report_root", context, instance_id,
                         lambda: super(ReportingConductorManager, self).report_root(context, instance_id, user))

        def notify_end(self, context, serialized_notification, notification_args):
            sent = copy.deepcopy(serialized_notification)
            self._report("notify_end", context, sent.get("instance_id"),
                         lambda: super(ReportingConductorManager, self).notify_end(
                             context, serialized_notification, notification_args),
                         serialized_notification=sent, notification_args=notification_args)

        def notify_exc_info(self, context, serialized_notification, message, exception):
            sent = copy.deepcopy(serialized_notification)
            self._report("notify_exc_info", context, sent.get("instance_id"),
                         lambda: super(ReportingConductorManager, self).notify_exc_info(
                             context, serialized_notification, message, exception),
                         serialized_notification=sent, message=message, exception=exception)

    return ReportingConductorManager


GUEST_METHODS_USED = set()


def make_recording_guest_api():
    from trove.guestagent import api as guest_api

    class RecordingGuestAPI(guest_api.API):
        """Trove's guest API, unchanged; notes the name of each RPC it sends (for the suite's coverage check)."""

        def _call(self, method_name, timeout_sec, version, **kwargs):
            GUEST_METHODS_USED.add(method_name)
            return super(RecordingGuestAPI, self)._call(method_name, timeout_sec, version, **kwargs)

        def _cast(self, method_name, version, **kwargs):
            GUEST_METHODS_USED.add(method_name)
            return super(RecordingGuestAPI, self)._cast(method_name, version, **kwargs)

    return RecordingGuestAPI


def make_recording_host_serializer():
    from trove.common.rpc import conductor_host_serializer as sz

    class RecordingConductorHostSerializer(sz.ConductorHostSerializer):
        """Trove's ConductorHostSerializer, unchanged; notes which parts of a message came encrypted, and for which
        instance (its csz-instance-id), for the report."""

        def _deserialize_context(self, ctxt):
            WIRE.context = ctxt.get("csz-instance-id") if isinstance(ctxt, dict) else None
            WIRE.entities = []
            return super(RecordingConductorHostSerializer, self)._deserialize_context(ctxt)

        def _deserialize_entity(self, ctxt, entity):
            try:
                WIRE.entities.append(json.loads(entity)["csz-instance-id"])
            except (ValueError, TypeError, KeyError):
                WIRE.entities.append(None)
            return super(RecordingConductorHostSerializer, self)._deserialize_entity(ctxt, entity)

    return RecordingConductorHostSerializer


def start_conductor(conf):
    """trove/cmd/conductor.py's main, without its blocking wait."""
    from oslo_service import service as openstack_service

    from trove.common import notification
    from trove.common.rpc import service as rpc_service
    from trove.conductor import api as conductor_api
    from trove.instance import models as inst_models

    notification.DBaaSAPINotification.register_notify_callback(inst_models.persist_instance_fault)
    server = rpc_service.RpcService(
        key=None, manager=conf.conductor_manager, topic=conf.conductor_queue,
        rpc_api_version=conductor_api.API.API_LATEST_VERSION, secure_serializer=make_recording_host_serializer())
    return openstack_service.launch(conf, server, workers=1, restart_method="mutate")


class ControlPlane(object):
    """The API's and the taskmanager's side: rows, guest calls, REST controllers."""

    DATASTORE = "db2"
    VERSION = "11.5"

    def __init__(self, conf):
        from trove.datastore import models as ds_models

        self.conf = conf
        ds_models.update_datastore(self.DATASTORE, None)
        ds_models.update_datastore_version(self.DATASTORE, self.VERSION, "db2", "image-db2", "", True)
        ds_models.update_datastore(self.DATASTORE, self.VERSION)
        self.datastore_version = ds_models.DatastoreVersion.load(
            ds_models.Datastore.load(self.DATASTORE), self.VERSION)

    # -- contexts ---------------------------------------------------------------------------------------------------

    def context(self, spec, tenant):
        """A TroveContext as Trove's ContextMiddleware makes it from a request's headers."""
        from trove.common import context as trove_context
        from trove.common import utils

        spec = spec or {}
        admin = bool(spec.get("is_admin", False))
        return trove_context.TroveContext(
            user_id=spec.get("user", "tester"), project_id=spec.get("tenant", tenant), is_admin=admin,
            roles=spec.get("roles") or (["admin"] if admin else ["member"]),
            auth_token=spec.get("auth_token", "token-%s" % utils.generate_uuid()),
            service_catalog=spec.get("service_catalog"),
            request_id=spec.get("request_id") or "req-%s" % utils.generate_uuid())

    def request(self, context, path="/v1.0/tenant/instances"):
        """A webob request as the API's controllers get it (the context already in its environ)."""
        import webob

        from trove.common import wsgi

        req = webob.Request.blank(path, environ={"REMOTE_ADDR": "192.0.2.10", "HTTP_HOST": "trove-api:8779"})
        req.environ[wsgi.CONTEXT_KEY] = context
        return req

    # -- instances --------------------------------------------------------------------------------------------------

    def create_instance(self, cmd):
        """The rows `Instance.create` makes, the server the taskmanager asks Nova for, the key it generates."""
        from trove.common import clients
        from trove.common.instance import ServiceStatuses
        from trove.instance import models as inst_models
        from trove.instance.tasks import InstanceTasks

        tenant = cmd.get("tenant", "test")
        context = self.context({"tenant": tenant}, tenant)
        self.conf.set_override("enable_secure_rpc_messaging", bool(cmd.get("secure")))
        try:
            db_info = inst_models.DBInstance.create(
                name=cmd.get("name", "db2-instance"), flavor_id="7", tenant_id=tenant, volume_size=1,
                datastore_version_id=self.datastore_version.id, task_status=InstanceTasks.BUILDING,
                configuration_id=None, slave_of_id=None, cluster_id=None, shard_id=None, type=None,
                region_id=self.conf.service_credentials.region_name)
        finally:
            self.conf.set_override("enable_secure_rpc_messaging", False)
        inst_models.InstanceServiceStatus.create(instance_id=db_info.id, status=ServiceStatuses.NEW)
        server = clients.create_nova_client(context).servers.create(db_info.name, "image-db2", "7")
        db_info.compute_instance_id = server.id
        db_info.save()
        # The guest_info.conf the taskmanager injects (guest_id, datastore_manager, tenant_id, and the instance's
        # instance_rpc_encr_key when it has one).
        files = inst_models.Instance.load(context, db_info.id).get_injected_files("db2")
        guest_info = [content for path, content in files.items() if path.endswith("guest_info.conf")]
        return {"instance_id": db_info.id, "guest_info": guest_info[0], "tenant": tenant,
                "key": inst_models.get_instance_encryption_key(db_info.id)}

    def wait_active(self, cmd):
        """The taskmanager's wait for the guest (`_service_is_active`), then task NONE: the instance is ACTIVE."""
        from trove.common.instance import ServiceStatuses
        from trove.instance import models as inst_models
        from trove.instance.tasks import InstanceTasks

        instance_id = cmd["instance"]
        deadline = time.time() + float(cmd.get("timeout", 120))
        while True:
            status = inst_models.InstanceServiceStatus.find_by(instance_id=instance_id).status
            if status in (ServiceStatuses.RUNNING, ServiceStatuses.HEALTHY, ServiceStatuses.FAILED):
                break
            if time.time() > deadline:
                break
            eventlet.sleep(0.2)  # polling Trove's database, as the taskmanager does (poll_until)
        if status in (ServiceStatuses.RUNNING, ServiceStatuses.HEALTHY):
            db_info = inst_models.DBInstance.find_by(id=instance_id)
            db_info.set_task_status(InstanceTasks.NONE)
            db_info.save()
        return {"service_status": status.description}

    def instance_row(self, cmd):
        from trove.instance import models as inst_models

        instance_id = cmd["instance"]
        db_info = inst_models.DBInstance.find_by(id=instance_id)
        return {"service_status": service_status(instance_id), "task": db_info.task_status.action,
                "fault": instance_fault(instance_id)}

    def instance_show(self, cmd):
        """`load_instance_with_info` (the API's instance show): the volume figures come from `load_guest_info`."""
        from trove.instance import models as inst_models

        context = self.context(cmd.get("context"), self.tenant_of(cmd["instance"]))
        instance = inst_models.load_instance_with_info(inst_models.DetailInstance, context, cmd["instance"])
        return {"status": instance.status, "volume_used": getattr(instance, "volume_used", None),
                "volume_total": getattr(instance, "volume_total", None)}

    def tenant_of(self, instance_id):
        from trove.instance import models as inst_models

        return inst_models.DBInstance.find_by(id=instance_id).tenant_id

    # -- the taskmanager's guest calls ------------------------------------------------------------------------------

    def prepare(self, cmd):
        """The create-instance flow: the API's DBaaSInstanceCreate (start sent), the taskmanager's `_guest_prepare`
        with the databases and users the API validated (`populate_validated_databases`, `populate_users`)."""
        from trove.backup import models as bkup_models
        from trove.common import clients
        from trove.common import notification
        from trove.extensions.mysql.common import populate_users
        from trove.extensions.mysql.common import populate_validated_databases

        instance_id = cmd["instance"]
        tenant = self.tenant_of(instance_id)
        context = self.context(cmd.get("context"), tenant)
        context.notification = notification.DBaaSInstanceCreate(context, request=self.request(context))
        databases = populate_validated_databases([{"name": n} for n in cmd.get("databases", [])])
        users = populate_users(cmd.get("users", []))
        context.notification.notify_start(
            name="db2-instance", flavor_id="7", datastore=self.DATASTORE, datastore_version=self.VERSION,
            image_id="image-db2", availability_zone=None, region_name="RegionOne", databases=databases,
            users=[u["_name"] for u in users])
        context.notification.server_type = "taskmanager"  # as the taskmanager deserializes it
        backup_info = None
        if cmd.get("backup_id"):
            backup = bkup_models.Backup.get_by_id(context, cmd["backup_id"])
            backup_info = {"id": backup.id, "instance_id": backup.instance_id, "location": backup.location,
                           "type": backup.backup_type, "checksum": backup.checksum}
        guest = clients.create_guest_client(context, instance_id)
        guest.prepare(512, "", databases, users, device_path=None, mount_point=cmd["mount_point"],
                      backup_info=backup_info, config_contents="", root_password=None,
                      overrides=cmd.get("overrides"), cluster_config=None, snapshot=None, modules=None)
        return None

    def create_backup(self, cmd):
        """`Backup.create`'s `_create_resources` (the row, then `backup_info`), then the taskmanager's
        `create_backup` cast to the guest."""
        from trove.backup import models as bkup_models
        from trove.backup.state import BackupState
        from trove.common import clients
        from trove.instance import models as inst_models

        instance_id = cmd["instance"]
        context = self.context(cmd.get("context"), self.tenant_of(instance_id))
        instance_model = inst_models.Instance.load(context, instance_id)
        instance_model.validate_can_perform_action()
        db_info = bkup_models.DBBackup.create(
            name=cmd.get("name", "backup"), description=None, tenant_id=context.project_id, state=BackupState.NEW,
            instance_id=instance_id, parent_id=None, datastore_version_id=self.datastore_version.id, deleted=False)
        backup_info = {"id": db_info.id, "name": db_info.name, "description": None, "instance_id": instance_id,
                       "backup_type": db_info.backup_type, "checksum": db_info.checksum, "parent": None,
                       "datastore": self.DATASTORE, "datastore_version": self.VERSION}
        clients.create_guest_client(context, instance_id).create_backup(backup_info)
        return {"backup_id": db_info.id}

    def backup(self, cmd):
        return backup_row(cmd["backup_id"])

    def guest(self, cmd):
        """One method of `trove.guestagent.api.API`, as Trove's services call it."""
        from trove.common import clients
        from trove.common import notification

        instance_id = cmd["instance"]
        context = self.context(cmd.get("context"), self.tenant_of(instance_id))
        if cmd.get("notification"):
            cls = getattr(notification, cmd["notification"])
            context.notification = cls(context, request=self.request(context))
            context.notification.payload.update(cmd.get("notification_payload", {}))
        api = clients.create_guest_client(context, instance_id)
        return getattr(api, cmd["method"])(**cmd.get("args", {}))

    # -- the API's REST controllers ---------------------------------------------------------------------------------

    def rest(self, cmd):
        """A controller action of the database and user extensions, as Trove's WSGI resource calls it."""
        from trove.extensions.mysql import service as mysql_service

        controllers = {"databases": mysql_service.SchemaController, "users": mysql_service.UserController,
                       "user_access": mysql_service.UserAccessController}
        instance_id = cmd["instance"]
        tenant = self.tenant_of(instance_id)
        context = self.context(cmd.get("context"), tenant)
        query = cmd.get("query") or {}
        context.limit = query.get("limit")
        context.marker = query.get("marker")
        path = "/v1.0/%s/instances/%s/%s" % (tenant, instance_id, cmd["controller"])
        controller = controllers[cmd["controller"]]()
        action = getattr(controller, cmd["action"])
        kwargs = {"req": self.request(context, path), "tenant_id": tenant, "instance_id": instance_id}
        if "body" in cmd:
            kwargs["body"] = cmd["body"]
        for key in ("id", "user_id"):
            if key in cmd:
                kwargs[key] = cmd[key]
        result = action(**kwargs)
        return {"status": result.status, "body": result.data("application/json")}

    # -- what Trove's DB2 manager serves ----------------------------------------------------------------------------

    def manager_methods(self, cmd):
        """The RPC methods of Trove's DB2 guest manager that Trove's guest API calls, and the API's methods the
        DB2 manager does not have (Trove's own agent answers those with NoSuchMethod)."""
        from trove.guestagent import api as guest_api
        from trove.guestagent.datastore.experimental.db2 import manager as db2_manager

        source = inspect.getsource(guest_api.API)
        called = set(re.findall(r"self\._(?:call|cast)\(\s*\"([a-z_]+)\"", source))
        served = {name for name, _ in inspect.getmembers(db2_manager.Manager, inspect.isfunction)
                  if not name.startswith("_")}
        return {"served": sorted(called & served), "not_served": sorted(called - served),
                "used": sorted(GUEST_METHODS_USED)}


def describe(exc):
    """What a Trove caller sees: the exception's class and message, and for a GuestError the remote cause."""
    name = type(exc).__name__
    module = type(exc).__module__
    answer = {"class": name.replace("_Remote", ""), "module": module.replace("_Remote", ""),
              "message": str(exc).split("\n")[0]}
    cause = exc.__context__
    if cause is not None and cause is not exc:
        answer["cause"] = {"class": type(cause).__name__.replace("_Remote", ""),
                           "module": type(cause).__module__.replace("_Remote", ""),
                           "message": str(cause).split("\n")[0]}
    return answer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--conductor-topic", required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()

    conf = configure(args)
    std_logging.getLogger().addHandler(ERRORS)
    from trove import rpc
    from trove.db import get_db_api

    rpc.init(conf)
    get_db_api().db_sync(conf)
    get_db_api().configure_db(conf)
    setattr(sys.modules["__main__"], "ReportingConductorManager", make_reporting_manager())
    setattr(sys.modules["__main__"], "RecordingGuestAPI", make_recording_guest_api())
    launcher = start_conductor(conf)
    control = ControlPlane(conf)
    # The conductor consumes once its RPC server has started (oslo.service starts it in a green thread).
    deadline = time.time() + 60
    while time.time() < deadline:
        services = getattr(launcher, "services", None)
        started = [s for s in getattr(services, "services", []) if getattr(s, "rpcserver", None) is not None]
        if started:
            break
        eventlet.sleep(0.05)
    else:
        sys.stderr.write("the conductor's RPC server did not start within 60 s\n")
        sys.exit(1)
    emit("READY")
    while True:
        line = tpool.execute(sys.stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        reply = {"reply": command.get("seq")}
        try:
            result = getattr(control, command["op"])(command)
            reply.update({"ok": True, "result": result})
        except Exception as exc:  # reported to the test: what Trove's caller would see
            reply.update({"ok": False})
            reply.update(describe(exc))
            reply["traceback"] = traceback.format_exc().splitlines()[-6:]
        emit(reply)
    launcher.stop()


if __name__ == "__main__":
    main()
