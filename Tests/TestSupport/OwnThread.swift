import AgentSupport

/// Runs a blocking wait (a child's exit, a line of its output) on a thread of its own and returns its result.
///
/// Long waits must not hold a thread of `BlockingThreadPool.shared`: it has a few threads, the code under test
/// needs them too, and tests run in parallel — a handful of waiting tests would starve it, and a wait whose end
/// needs the pool would never end.
public func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DedicatedThread.start(name: name) { continuation.resume(with: Result { try body() }) }
    }
}

/// `onOwnThread` for a wait that cannot fail.
public func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DedicatedThread.start(name: name) { continuation.resume(returning: body()) }
    }
}
