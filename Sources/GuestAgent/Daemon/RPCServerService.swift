import AgentSupport
import AMQP
import FoundationEssentials
import Logging
import OsloRPC
import ServiceLifecycle

/// Trove's RPC server on `guestagent.<guest_id>` as a service.
///
/// Graceful shutdown (SIGTERM, SIGINT) stops consuming (`STOPPING=1` to systemd) and lets the requests in flight
/// finish. When the service group's grace (`shutdown_grace_period`) is over, the group cancels what still runs:
/// a running backup is then aborted cleanly (`abortLongOperations`: its DB2 tool killed, its `FAILED` report and
/// clean-up), and every other request cancelled, so that a call is answered with a failure rather than dropped.
/// ``run()`` returns once all of them ended, and opens `ended`.
struct RPCServerService: Service {
    let consumer: AMQPConsumer
    let server: OsloRPCServer
    let notifier: SystemdNotifier?
    let activity: AgentActivity
    let logger: Logger
    let abortLongOperations: @Sendable (String) async -> Void
    let ended: Latch

    func run() async {
        defer { ended.open() }
        let deliveries = consumer.start()
        let serving = Task { await server.serve(deliveries) }
        activity.set("idle")
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await serving.value
            } onGracefulShutdown: { [consumer, notifier, activity, logger] in
                logger.info("shutting down", metadata: ["activity": "\(activity.description)"])
                notifier?.send("STOPPING=1")
                activity.set("stopping")
                consumer.stop()
            }
        } onCancel: { [activity, logger, abortLongOperations] in
            Task {
                logger.warning(
                    "requests still running after the shutdown grace period: aborting them",
                    metadata: ["activity": "\(activity.description)"])
                activity.set("stopping: aborting what is still running")
                await abortLongOperations("agent stopped")
                serving.cancel()
            }
        }
        logger.info("stopped")
    }
}
