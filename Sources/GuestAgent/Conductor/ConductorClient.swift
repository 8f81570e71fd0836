import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// Casts to trove-conductor (`conductor_queue`, version 1.0): heartbeats, backup state, end notifications.
///
/// Every message carries `sent` (float seconds since the epoch), strictly increasing: the conductor drops a
/// message whose `sent` is not newer than the last one it stored for the same instance and method.
public actor ConductorClient {
    private let caster: OsloRPCCaster
    private let topic: String
    private let guestID: String
    private let logger: Logger
    private var lastSent: Double = 0
    private var pauses = 0

    /// While a restart runs, the periodic heartbeat stays quiet (Trove's `begin_restart`): the restart reports the
    /// real status itself when it ends. Calls nest; each ``pausePeriodicHeartbeats()`` needs a ``resumePeriodicHeartbeats()``.
    public func pausePeriodicHeartbeats() { pauses += 1 }
    public func resumePeriodicHeartbeats() { pauses = max(0, pauses - 1) }
    public var periodicHeartbeatsPaused: Bool { pauses > 0 }

    public init(caster: OsloRPCCaster, topic: String, guestID: String, logger: Logger) {
        self.caster = caster
        self.topic = topic
        self.guestID = guestID
        self.logger = logger
    }

    /// `heartbeat(instance_id, payload={"service_status": ...}, sent)`, with an empty context as Trove sends it.
    public func heartbeat(_ status: ServiceStatus, deadline: Date) async throws {
        try await cast(
            "heartbeat", args: ["payload": ["service_status": .string(status.rawValue)]],
            context: .empty(requestID: Self.requestID()), deadline: deadline)
    }

    /// A heartbeat reporting `status` at once (prepare, restart...), logged rather than thrown when the broker does
    /// not take it within a minute: the periodic heartbeat says it again anyway.
    public func reportStatus(_ status: ServiceStatus) async {
        do { try await heartbeat(status, deadline: Date().addingTimeInterval(60)) } catch {
            logger.warning("heartbeat not sent", metadata: ["error": "\(error)", "service_status": "\(status.rawValue)"])
        }
    }

    /// `update_backup(instance_id, backup_id, sent, **fields)` in the context of the `create_backup` request.
    ///
    /// - Parameters:
    ///   - sent: the message's `sent`, when the caller fixed it earlier (a report sent again must keep its `sent`:
    ///     the conductor drops a message whose `sent` is not newer than the last it stored, so a copy that did
    ///     arrive before is not applied twice); by default now.
    ///   - mandatory: fail with ``AMQP/AMQPError/unroutable(exchange:routingKey:code:text:)`` when no conductor
    ///     queue takes it.
    public func updateBackup(
        backupID: String, fields: [String: JSONValue], context: RequestContext, sent: Double? = nil,
        mandatory: Bool = false, deadline: Date
    ) async throws {
        var args = fields
        args["backup_id"] = .string(backupID)
        try await cast(
            "update_backup", args: args, context: context, deadline: deadline, sent: sent, mandatory: mandatory)
    }

    /// A `sent` for a message to be sent later: newer than every `sent` used so far.
    public func reserveSent() -> Double { nextSent() }

    /// `notify_end(serialized_notification, notification_args)`.
    public func notifyEnd(serializedNotification: JSONValue, context: RequestContext, deadline: Date) async throws {
        try await cast(
            "notify_end", args: ["serialized_notification": serializedNotification, "notification_args": [:]],
            context: context, deadline: deadline, includeInstanceID: false, includeSent: false)
    }

    /// `notify_exc_info(serialized_notification, message, exception)`.
    public func notifyExceptionInfo(
        serializedNotification: JSONValue, message: String, exception: [String], context: RequestContext,
        deadline: Date
    ) async throws {
        try await cast(
            "notify_exc_info",
            args: [
                "serialized_notification": serializedNotification, "message": .string(message),
                "exception": .array(exception.map(JSONValue.string)),
            ], context: context, deadline: deadline, includeInstanceID: false, includeSent: false)
    }

    private func cast(
        _ method: String, args: [String: JSONValue], context: RequestContext, deadline: Date,
        includeInstanceID: Bool = true, includeSent: Bool = true, sent: Double? = nil, mandatory: Bool = false
    ) async throws {
        var args = args
        if includeInstanceID { args["instance_id"] = .string(guestID) }
        if includeSent { args["sent"] = .double(sent ?? nextSent()) }
        try await caster.cast(
            topic: topic, method: method, args: args, context: context, mandatory: mandatory, deadline: deadline)
        logger.debug("sent to the conductor", metadata: ["conductor.method": "\(method)"])
    }

    /// Now, or just after the previous `sent` if the clock has not moved (or went back).
    private func nextSent() -> Double {
        let now = Date().timeIntervalSince1970
        lastSent = max(now, lastSent.nextUp.nextUp)
        return lastSent
    }

    static func requestID() -> String { "req-\(RandomIdentifier.uuid4())" }
}
