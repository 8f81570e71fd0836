import AMQP
import Foundation
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

    /// - Parameters:
    ///   - methods: the method groups beyond the basic and unsupported ones (databases, users, backups...), built
    ///     with the service's ``conductor``; see ``makeMethods``.
    ///   - onReady: called each time the consumers are declared and consuming (first start and every reconnect).
    public init(
        configuration: GuestAgentConfiguration, statusProvider: (any ServiceStatusProvider)? = nil,
        logger: Logger, onReady: @escaping @Sendable () -> Void = {},
        makeMethods: (ConductorClient) -> [[GuestMethod]] = { _ in [] }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
        let exchange = OsloTopology.controlExchange(configuration.controlExchange, options: configuration.queueOptions)
        publisher = AMQPPublisher(
            parameters: configuration.messaging, topology: AMQPTopology(exchanges: [exchange]),
            backoff: configuration.reconnectBackoff, logger: logger)
        let topology = OsloTopology.rpcServer(
            exchange: configuration.controlExchange, topic: configuration.topic, server: configuration.guestID,
            options: configuration.queueOptions)
        let topic = configuration.topic
        consumer = AMQPConsumer(
            parameters: configuration.messaging, topology: topology, backoff: configuration.reconnectBackoff,
            logger: logger,
            stateObserver: { state in
                if case .ready(let broker) = state {
                    logger.info("consuming RPC", metadata: ["rpc.topic": "\(topic)", "amqp.broker": "\(broker)"])
                    onReady()
                }
            })
        conductor = ConductorClient(
            caster: OsloRPCCaster(publisher: publisher, exchange: configuration.controlExchange),
            topic: configuration.conductorTopic, guestID: configuration.guestID, logger: logger)
        self.statusProvider = statusProvider ?? EngineStatusProvider(instanceOwner: configuration.instanceOwner)
        endpoint = TroveGuestEndpoint(
            groups: [
                BasicMethods.methods(mountPoint: configuration.mountPoint),
                UnsupportedMethods.methods(datastore: configuration.datastore),
            ] + makeMethods(conductor))
    }

    /// The consumer thread's last sign of life (for the systemd watchdog).
    public var consumerLastLoopUptimeNanoseconds: UInt64 { consumer.lastLoopUptimeNanoseconds }

    /// Test hook for the watchdog: stalls the consumer thread.
    public func stallConsumerForTesting(seconds: Double) { consumer.stallForTesting(seconds: seconds) }

    /// Serves until `shutdown` fires, then stops consuming and waits for requests in flight.
    public func run(until shutdown: ShutdownSignal) async {
        logger.info(
            "trove-db2-agent starting",
            metadata: [
                "guest_id": "\(configuration.guestID)", "rpc.exchange": "\(configuration.controlExchange)",
                "amqp.brokers": "\(configuration.messaging.endpoints.map(\.description).joined(separator: ","))",
            ])
        publisher.start()
        let deliveries = consumer.start()
        let server = OsloRPCServer(
            endpoint: endpoint, publisher: publisher, configuration: configuration.rpc, logger: logger)
        let heartbeat = HeartbeatLoop(
            interval: .milliseconds(Int64(configuration.reportInterval * 1000)), markers: configuration.prepareMarkers,
            status: statusProvider, conductor: conductor, logger: logger)
        let heartbeatTask = Task { await heartbeat.run() }
        let serving = Task { await server.serve(deliveries) }
        let reason = await shutdown.wait()
        logger.info("shutting down", metadata: ["reason": "\(reason)"])
        consumer.stop()
        await serving.value
        heartbeatTask.cancel()
        await heartbeatTask.value
        publisher.stop()
        logger.info("stopped")
    }
}
