import Foundation

/// Starts OS threads for long-lived blocking loops (an AMQP connection, a consumer of a C library's callbacks).
public enum DedicatedThread {
    /// Starts a detached thread named `name` that runs `body` once and then ends.
    ///
    /// The thread's name shows in `top -H` and in crash reports; keep it short (Linux keeps 15 bytes).
    public static func start(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { body() }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}
