import AgentSupport
/// An exception as oslo.messaging sends it back to a caller: the Python class and module the client
/// re-raises, the message it shows, and the constructor arguments.
///
/// The client rebuilds `module.class(*args, **kwargs)` when the module is a builtins module or in its
/// `allowed_remote_exmods` (Trove allows `trove.common.exception`), and raises `RemoteError` otherwise; either way
/// `str(exc)` is `message`.
public struct RemoteError: Error, Equatable, CustomStringConvertible {
    public var className: String
    public var module: String
    public var message: String
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]

    public init(
        className: String, module: String, message: String, args: [JSONValue]? = nil,
        kwargs: [String: JSONValue] = [:]
    ) {
        self.className = className
        self.module = module
        self.message = message
        self.args = args ?? [.string(message)]
        self.kwargs = kwargs
    }

    public var description: String { "\(module).\(className): \(message)" }

    /// The `failure` string of a reply (`serialize_remote_exception`).
    public func failureJSON(traceback: [String] = []) -> String {
        JSONWriter.string([
            "class": .string(className), "module": .string(module), "message": .string(message),
            "tb": .array(traceback.map(JSONValue.string)), "args": .array(args), "kwargs": .object(kwargs),
        ])
    }

    // MARK: oslo.messaging's own

    static let dispatcherModule = "oslo_messaging.rpc.dispatcher"
    /// Python 3's builtins; oslo ≥ Stein clients accept it (Python 2 clients expected `exceptions`).
    public static let builtinsModule = "builtins"

    public static func noSuchMethod(_ method: String) -> RemoteError {
        RemoteError(
            className: "NoSuchMethod", module: dispatcherModule,
            message: "Endpoint does not support RPC method \(method)")
    }

    public static func unsupportedVersion(_ version: String, method: String) -> RemoteError {
        RemoteError(
            className: "UnsupportedVersion", module: dispatcherModule,
            message: "Endpoint does not support RPC version \(version). Attempted method: \(method)")
    }

    public static func unsupportedEnvelopeVersion(_ version: String) -> RemoteError {
        RemoteError(
            className: "UnsupportedRpcEnvelopeVersion", module: "oslo_messaging._drivers.common",
            message: "Specified RPC envelope version, \(version), not supported by this endpoint.")
    }

    /// A Python builtin exception (`TypeError`, `ValueError`, `KeyError`...).
    public static func builtin(_ className: String, _ message: String) -> RemoteError {
        RemoteError(className: className, module: builtinsModule, message: message)
    }
}

/// An error that knows how it should look to an oslo.messaging caller.
public protocol RemoteErrorConvertible: Error {
    var remoteError: RemoteError { get }
}

extension RemoteError: RemoteErrorConvertible {
    public var remoteError: RemoteError { self }
}
