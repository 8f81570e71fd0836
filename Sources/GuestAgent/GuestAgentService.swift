import AMQP
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// The running agent: an RPC server on `guestagent.<guest_id>`, a publisher for replies and conductor casts, and
/// the heartbeat loop. ``run(until:)`` returns after a shutdown, once in-flight requests finished.
public final class GuestAgentService: Sendable {
    public let configuration: GuestAgentConfiguration
    private let logger: Logger
    private let publisher: AMQPPublisher
    private let consumer: AMQPConsumer
    public let conductor: ConductorClient
    private let endpoint: TroveGuestEndpoint
    private let statusProvider: any ServiceStatusProvider
    private let onReady: @Sendable () -> Void
    private let serverSerializer: any RPCSerializer
    /// What the agent is doing, for systemd's status line.
    public let activity: AgentActivity
    private let notifier: SystemdNotifier?
    private let healthProbes: [HealthMonitor.Probe]

    /// - Parameters:
    ///   - methods: the method groups beyond the basic and unsupported ones (databases, users, backups...), built
    ///     with the service's ``conductor``; see ``makeMethods``.
    ///   - onReady: called each time the consumers are declared and consuming (first start and every reconnect).
    ///   - notifier: systemd's notification socket, when started by systemd (`READY=1`, `WATCHDOG=1`, `STATUS=`).
    ///   - healthProbes: async checks the watchdog requires to pass (e.g. the DB2 actor answers).
    ///   - activity: the status line, when others (a backup) update it too; by default one that goes to `notifier`.
    public init(
        configuration: GuestAgentConfiguration, statusProvider: (any ServiceStatusProvider)? = nil,
        logger: Logger, notifier: SystemdNotifier? = nil, healthProbes: [HealthMonitor.Probe] = [],
        activity: AgentActivity? = nil,
        onReady: @escaping @Sendable () -> Void = {},
        makeMethods: (ConductorClient) -> [[GuestMethod]] = { _ in [] }
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
        self.healthProbes = healthProbes
        self.activity = activity ?? AgentActivity { text in notifier?.send("STATUS=\(text)") }
        var casterSerializer: any RPCSerializer = PassthroughSerializer()
        if let key = configuration.rpcEncryptionKey {
            let cipher = try TroveRPCCipher(instanceKey: key)
            serverSerializer = TroveSecureSerializer(cipher: cipher)
            casterSerializer = TroveConductorSerializer(cipher: cipher, guestID: configuration.guestID)
        } else {
            serverSerializer = PassthroughSerializer()
        }
        let ready: @Sendable () -> Void = {
            notifier?.send("READY=1")
            onReady()
        }
        self.onReady = ready
        let exchange = OsloTopology.controlExchange(configuration.controlExchange, options: configuration.queueOptions)
        publisher = AMQPPublisher(
            parameters: configuration.messaging, topology: AMQPTopology(exchanges: [exchange]),
            backoff: configuration.reconnectBackoff, logger: logger)
        let topology = OsloTopology.rpcServer(
            exchange: configuration.controlExchange, topic: configuration.topic, server: configuration.guestID,
            options: configuration.queueOptions)
        let topic = configuration.topic
        consumer = AMQPConsumer(
            parameters: configuration.messaging, topology: topology,
            prefetchCount: UInt16(clamping: max(1, configuration.rpc.deliveryWindow)),
            backoff: configuration.reconnectBackoff, logger: logger,
            stateObserver: { state in
                if case .ready(let broker) = state {
                    logger.info("consuming RPC", metadata: ["rpc.topic": "\(topic)", "amqp.broker": "\(broker)"])
                    ready()
                }
            })
        conductor = ConductorClient(
            caster: OsloRPCCaster(
                publisher: publisher, exchange: configuration.controlExchange, serializer: casterSerializer),
            topic: configuration.conductorTopic, guestID: configuration.guestID, logger: logger)
        self.statusProvider = statusProvider ?? EngineStatusProvider(instanceOwner: configuration.instanceOwner)
        endpoint = TroveGuestEndpoint(
            groups: [
                BasicMethods.methods(mountPoint: configuration.mountPoint),
                UnsupportedMethods.methods(
                    datastore: configuration.datastore,
                    notifier: EndNotifier(conductor: conductor, guestID: configuration.guestID, logger: logger)),
                ModuleMethods.methods(),
            ] + makeMethods(conductor))
    }

    /// The consumer thread's last sign of life (for the systemd watchdog).
    public var consumerLastLoopUptimeNanoseconds: UInt64 { consumer.lastLoopUptimeNanoseconds }

    /// Test hook for the watchdog: stalls the consumer thread.
    public func stallConsumerForTesting(seconds: Double) { consumer.stallForTesting(seconds: seconds) }

    /// Serves until `shutdown` fires, then stops consuming and gives requests in flight the shutdown grace to
    /// finish. What is still running then is ended: `abortLongOperations` stops a backup cleanly (its own
    /// `FAILED` report and clean-up), and every other request is cancelled, so a call is answered with a failure
    /// rather than dropped. Returns once all of them ended and their replies and reports were handed over.
    public func run(
        until shutdown: ShutdownSignal, abortLongOperations: @escaping @Sendable (String) async -> Void = { _ in }
    ) async {
        logger.info(
            "trove-db2-agent starting",
            metadata: [
                "guest_id": "\(configuration.guestID)", "rpc.exchange": "\(configuration.controlExchange)",
                "amqp.brokers": "\(configuration.messaging.endpoints.map(\.description).joined(separator: ","))",
            ])
        publisher.start()
        let deliveries = consumer.start()
        let server = OsloRPCServer(
            endpoint: endpoint, publisher: publisher, configuration: configuration.rpc, serializer: serverSerializer,
            logger: logger)
        let heartbeat = HeartbeatLoop(
            interval: .milliseconds(Int64(configuration.reportInterval * 1000)), markers: configuration.prepareMarkers,
            status: statusProvider, conductor: conductor, logger: logger,
            suppressed: { [conductor] in await conductor.periodicHeartbeatsPaused })
        let heartbeatTask = Task { await heartbeat.run() }
        let serving = Task { await server.serve(deliveries) }
        var healthTask: Task<Void, Never>?
        if let notifier, let timeout = notifier.watchdogTimeout {
            let consumer = self.consumer
            let monitor = HealthMonitor(
                notifier: notifier, watchdogTimeout: timeout,
                consumerLastLoop: { consumer.lastLoopUptimeNanoseconds }, probes: healthProbes, logger: logger)
            healthTask = Task { await monitor.run() }
        }
        activity.set("idle")
        let reason = await shutdown.wait()
        logger.info("shutting down", metadata: ["reason": "\(reason)", "activity": "\(activity.description)"])
        notifier?.send("STOPPING=1")
        activity.set("stopping")
        consumer.stop()
        await drain(serving, abortLongOperations: abortLongOperations)
        heartbeatTask.cancel()
        healthTask?.cancel()
        await heartbeatTask.value
        await healthTask?.value
        publisher.stop()
        logger.info("stopped")
    }

    /// Waits up to `shutdownGrace` for the requests in flight; then aborts and cancels what is left, and waits for
    /// that to end.
    private func drain(_ serving: Task<Void, Never>, abortLongOperations: @Sendable (String) async -> Void) async {
        let grace = configuration.shutdownGrace
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await serving.value
                return true
            }
            group.addTask { (try? await Task.sleep(for: grace)) == nil }  // false: the grace period is over
            if await group.next() == false {
                logger.warning(
                    "requests still running after the shutdown grace period: aborting them",
                    metadata: ["grace_seconds": "\(grace.seconds)", "activity": "\(activity.description)"])
                activity.set("stopping: aborting what is still running")
                await abortLongOperations("agent stopped")
                serving.cancel()
            }
            group.cancelAll()  // the timer, when the requests ended first
        }
    }
}
