import ServiceLifecycle

/// A part of the agent that runs until it is told to stop (the heartbeat, the watchdog, start-up work, signal
/// handlers), as a service: graceful shutdown cancels it.
struct UntilShutdown: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void

    init(_ name: String, _ body: @escaping @Sendable () async -> Void) {
        description = name
        self.body = body
    }

    func run() async throws {
        _ = try await cancelWhenGracefulShutdown { () async throws -> Void in await body() }
    }
}
