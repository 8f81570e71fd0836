import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// Trove's `EndNotification`: when the request context carries a `trove_notification`, the outcome of the work is
/// forwarded to the conductor — `notify_end` on success, `notify_exc_info` with the error on failure. Without one,
/// nothing is sent (Trove would crash on the missing attribute; we simply skip).
public struct EndNotifier: Sendable {
    public let conductor: ConductorClient
    public let logger: Logger

    public init(conductor: ConductorClient, logger: Logger) {
        self.conductor = conductor
        self.logger = logger
    }

    /// Runs `work`; then notifies as Trove does. `payload` entries (e.g. `instance_id`) are merged into the
    /// notification's payload. The work's error is rethrown unchanged.
    public func around<T: Sendable>(
        _ request: RPCRequest, payload: [String: JSONValue] = [:], _ work: () async throws -> T
    ) async throws -> T {
        guard let notification = request.context.troveNotification else { return try await work() }
        let serialized = Self.merge(payload, into: notification)
        let deadline = Date().addingTimeInterval(3600)
        do {
            let result = try await work()
            await send { try await conductor.notifyEnd(serializedNotification: serialized, context: request.context, deadline: deadline) }
            return result
        } catch {
            let message = (error as? any RemoteErrorConvertible)?.remoteError.message ?? String(describing: error)
            await send {
                try await conductor.notifyExceptionInfo(
                    serializedNotification: serialized, message: message,
                    exception: ["\(type(of: error)): \(message)"], context: request.context, deadline: deadline)
            }
            throw error
        }
    }

    private func send(_ cast: () async throws -> Void) async {
        do { try await cast() } catch {
            logger.warning("end notification not sent", metadata: ["error": "\(error)"])
        }
    }

    static func merge(_ payload: [String: JSONValue], into notification: JSONValue) -> JSONValue {
        guard case .object(var object) = notification, !payload.isEmpty else { return notification }
        var inner = object["payload"]?.objectValue ?? [:]
        for (key, value) in payload { inner[key] = value }
        object["payload"] = .object(inner)
        return .object(object)
    }
}
