import AMQP
import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// What the running agent needs, already checked and typed (mapped from Trove's config files by
/// ``GuestAgentConfiguration/init(_:)`` in `GuestAgentConfiguration+TroveConfig.swift`).
public struct GuestAgentConfiguration: Sendable {
    /// `[DEFAULT] guest_id`: the instance id; the agent's topic is `guestagent.<guest_id>`.
    public var guestID: String
    public var datastore: String = "db2"
    /// `control_exchange` (Trove sets `trove`).
    public var controlExchange: String
    /// `conductor_queue` (`trove-conductor`).
    public var conductorTopic: String
    /// `report_interval`: between heartbeats.
    public var reportInterval: Duration
    public var messaging: AMQPConnectionParameters
    public var queueOptions: OsloQueueOptions
    public var reconnectBackoff: ReconnectBackoff
    public var rpc: RPCServerConfiguration
    /// `[db2] mount_point`.
    public var mountPoint: String
    /// `[db2] instance_owner` (ours), for the status check.
    public var instanceOwner: String
    public var prepareMarkers: PrepareMarkers
    /// `instance_rpc_encr_key` (Ocata–Ussuri): when set, RPC is encrypted as Trove's secure serializers do.
    public var rpcEncryptionKey: Secret<String>?
    /// `shutdown_grace_period` (ours): how long in-flight requests (a backup) may take to finish after SIGTERM
    /// before they are aborted.
    public var shutdownGrace: Duration

    public init(
        guestID: String, controlExchange: String = "trove", conductorTopic: String = "trove-conductor",
        reportInterval: Duration = .seconds(30), messaging: AMQPConnectionParameters, queueOptions: OsloQueueOptions = .init(),
        reconnectBackoff: ReconnectBackoff = .init(), rpc: RPCServerConfiguration = .init(),
        mountPoint: String = "/home/db2inst1/db2inst1", instanceOwner: String = "db2inst1",
        prepareMarkers: PrepareMarkers = .home, rpcEncryptionKey: Secret<String>? = nil,
        shutdownGrace: Duration = .seconds(60)
    ) {
        self.shutdownGrace = shutdownGrace
        self.rpcEncryptionKey = rpcEncryptionKey
        self.guestID = guestID
        self.controlExchange = controlExchange
        self.conductorTopic = conductorTopic
        self.reportInterval = reportInterval
        self.messaging = messaging
        self.queueOptions = queueOptions
        self.reconnectBackoff = reconnectBackoff
        self.rpc = rpc
        self.mountPoint = mountPoint
        self.instanceOwner = instanceOwner
        self.prepareMarkers = prepareMarkers
    }

    /// `guestagent.<guest_id>`: the topic Trove's control plane sends to (Ocata and later; Newton's queue of the
    /// same name is its server queue, so both eras reach it).
    public var topic: String { "guestagent.\(guestID)" }
}
