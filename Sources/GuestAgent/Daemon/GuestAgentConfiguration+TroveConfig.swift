import AMQP
import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC
import TroveConfig

extension GuestAgentConfiguration {
    /// Maps Trove's options (already validated by `TroveConfig`) onto what the running agent needs.
    public init(_ config: AgentConfiguration) {
        let messaging = config.messaging
        let tls = messaging.tls.map { tls in
            AMQPTLSOptions(
                caFile: tls.caFile, certificateFile: tls.certificateFile, keyFile: tls.keyFile,
                verifyPeer: tls.caFile != nil, verifyHostname: tls.verifyHostname)
        }
        let parameters = AMQPConnectionParameters(
            endpoints: messaging.brokers.map {
                AMQPEndpoint(host: $0.host, port: $0.port, user: $0.username, password: $0.password)
            },
            virtualHost: messaging.virtualHost,
            heartbeatSeconds: messaging.heartbeatTimeoutSeconds,
            tls: tls,
            connectionName: "trove-db2-agent:\(getpid()):\(config.guestID)",
            loginMethod: messaging.loginMethod == .external ? .external : .plain)
        let queues = messaging.queues
        self.init(
            guestID: config.guestID,
            controlExchange: messaging.controlExchange,
            conductorTopic: config.conductorQueue,
            reportInterval: config.reportInterval,
            messaging: parameters,
            queueOptions: OsloQueueOptions(
                durable: queues.durable, autoDelete: queues.autoDelete, haQueues: queues.haQueues,
                quorumQueues: queues.quorum, transientQueuesTTL: queues.transientQueuesTTLSeconds),
            reconnectBackoff: ReconnectBackoff(
                initial: max(messaging.retryInterval.seconds, 0.05), factor: 2,
                maximum: max(messaging.retryIntervalMax.seconds, messaging.retryInterval.seconds)),
            rpc: RPCServerConfiguration(
                maximumMessageBytes: messaging.maxMessageSize,
                // oslo's 0 means unlimited; the agent always keeps a bounded window (its default).
                deliveryWindow: messaging.prefetchCount > 0
                    ? min(messaging.prefetchCount, Int(UInt16.max)) : RPCServerConfiguration().deliveryWindow),
            mountPoint: config.db2.mountPoint,
            instanceOwner: config.db2.instanceOwner,
            prepareMarkers: .home,
            rpcEncryptionKey: config.instanceRPCEncryptionKey,
            shutdownGrace: config.shutdownGracePeriod)
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
