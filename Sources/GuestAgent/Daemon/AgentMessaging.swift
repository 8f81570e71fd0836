import AMQP
import FoundationEssentials
import Logging
import OsloRPC

/// The agent's side of the broker, built before anything that needs it: the publisher (replies and casts, on a
/// thread and connection of its own), the consumer of `guestagent.<guest_id>`, the client of trove-conductor, and
/// Trove's secure-RPC serializers when `instance_rpc_encr_key` is set.
public struct AgentMessaging: Sendable {
    public let publisher: AMQPPublisher
    public let consumer: AMQPConsumer
    public let conductor: ConductorClient
    /// How requests' contexts and arguments are read (Trove's secure RPC, or as they come).
    public let serverSerializer: any RPCSerializer

    /// - Parameter onReady: called each time the consumer is declared and consuming (first start and every
    ///   reconnect); `READY=1` goes to systemd then.
    /// - Throws: when `instance_rpc_encr_key` cannot be used.
    public init(
        configuration: GuestAgentConfiguration, notifier: SystemdNotifier?, logger: Logger,
        onReady: @escaping @Sendable () -> Void = {}
    ) throws {
        var casterSerializer: any RPCSerializer = PassthroughSerializer()
        if let key = configuration.rpcEncryptionKey {
            let cipher = try TroveRPCCipher(instanceKey: key)
            serverSerializer = TroveSecureSerializer(cipher: cipher)
            casterSerializer = TroveConductorSerializer(cipher: cipher, guestID: configuration.guestID)
        } else {
            serverSerializer = PassthroughSerializer()
        }
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
                    notifier?.send("READY=1")
                    onReady()
                }
            })
        conductor = ConductorClient(
            caster: OsloRPCCaster(
                publisher: publisher, exchange: configuration.controlExchange, serializer: casterSerializer),
            topic: configuration.conductorTopic, guestID: configuration.guestID, logger: logger)
    }
}
