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
///
/// The notification goes out as Trove's `SerializableNotification.serialize` writes it: the notification's own
/// payload dict, flat (`request_id`, `server_type`, `tenant_id`, ... and `notification_classname`), with the
/// wrapper's keyword arguments (`instance_id` for `prepare`) added to it, and for an error `instance_id` =
/// `guest_id` too (Trove's conductor API adds it). Trove's conductor rebuilds the notification class from these keys
/// and checks the event's required traits (`instance_create.end` needs `instance_id`).
public struct EndNotifier: Sendable {
    public let conductor: ConductorClient
    /// `guest_id`: the `instance_id` of every error notification.
    public let guestID: String
    public let logger: Logger

    public init(conductor: ConductorClient, guestID: String, logger: Logger) {
        self.conductor = conductor
        self.guestID = guestID
        self.logger = logger
    }

    /// Runs `work`; then notifies as Trove does. `payload` entries (e.g. `instance_id`) are added to the
    /// notification. The work's error is rethrown unchanged.
    public func around<T: Sendable>(
        _ request: RPCRequest, payload: [String: JSONValue] = [:], _ work: () async throws -> T
    ) async throws -> T {
        guard let notification = request.context.troveNotification else { return try await work() }
        let serialized = Self.merge(payload, into: notification)
        let result: T
        do { result = try await work() } catch {
            await send(error, serialized: serialized, request: request)
            throw error
        }
        let context = Self.context(request.context, carrying: serialized)
        await send {
            try await conductor.notifyEnd(serializedNotification: serialized, context: context, deadline: Self.deadline)
        }
        return result
    }

    /// `notify_exc_info` for `error` without ending the request (Trove's wrapper around a step that failed while
    /// the request goes on, such as `create_database` inside `prepare`). Nothing is sent without a notification.
    public func notifyError(_ error: any Error, request: RPCRequest, payload: [String: JSONValue] = [:]) async {
        guard let notification = request.context.troveNotification else { return }
        await send(error, serialized: Self.merge(payload, into: notification), request: request)
    }

    private func send(_ error: any Error, serialized: JSONValue, request: RPCRequest) async {
        let withInstance = Self.merge(["instance_id": .string(guestID)], into: serialized)
        let context = Self.context(request.context, carrying: withInstance)
        let (message, exception) = Self.describe(error)
        await send {
            try await conductor.notifyExceptionInfo(
                serializedNotification: withInstance, message: message, exception: exception, context: context,
                deadline: Self.deadline)
        }
    }

    private func send(_ cast: () async throws -> Void) async {
        do { try await cast() } catch {
            logger.warning("end notification not sent", metadata: ["error": "\(error)"])
        }
    }

    static var deadline: Date { Date().addingTimeInterval(3600) }

    /// `str(exc)` and the last line of `traceback.format_exception` (`module.Class: message`), as Trove sends them.
    static func describe(_ error: any Error) -> (message: String, exception: [String]) {
        guard let remote = (error as? any RemoteErrorConvertible)?.remoteError else {
            let message = String(describing: error)
            return (message, ["\(type(of: error)): \(message)\n"])
        }
        let qualified = remote.module == "builtins" ? remote.className : "\(remote.module).\(remote.className)"
        return (remote.message, ["\(qualified): \(remote.message)\n"])
    }

    /// The notification with `payload`'s keys added beside its own (Trove's `payload.update(kwargs)`).
    static func merge(_ payload: [String: JSONValue], into notification: JSONValue) -> JSONValue {
        guard case .object(var object) = notification else { return notification }
        for (key, value) in payload { object[key] = value }
        return .object(object)
    }

    /// The request's context as Trove casts it: its `trove_notification` is the serialized notification (Trove
    /// serializes the context's notification object, which the wrapper updated).
    static func context(_ context: RequestContext, carrying notification: JSONValue) -> RequestContext {
        var context = context
        context.values["trove_notification"] = notification
        return context
    }
}
