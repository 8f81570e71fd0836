import Synchronization

/// A flag that stops transfers from another thread: an in-flight libcurl transfer watching it ends within about
/// a second (libcurl's progress callback) with ``HTTPTransportError/Kind-swift.enum/aborted``.
///
/// One signal can watch many transfers (every segment of an upload); the first reason given wins.
public final class TransferAbortSignal: Sendable {
    private let state = Mutex<String?>(nil)
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks every transfer watching this signal to stop. Later calls keep the first `reason`.
    public func abort(reason: String) {
        state.withLock { current in
            if current == nil { current = reason }
        }
        flag.store(true, ordering: .releasing)
    }

    /// `true` once ``abort(reason:)`` was called.
    public var isAborted: Bool { flag.load(ordering: .acquiring) }

    /// The reason given to the first ``abort(reason:)``, or `nil`.
    public var reason: String? { state.withLock { $0 } }
}
