import Foundation

/// A condition a test waited for did not hold in time.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double
    public var description: String { "timed out after \(seconds) s waiting until \(what)" }
}

/// Waits until `condition` holds, checking it every few milliseconds (a condition with a deadline, not a sleep
/// standing in for synchronisation).
///
/// - Throws: ``WaitTimedOut`` naming `what` after `timeout` seconds.
public func waitFor(_ what: String, timeout: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !(try await condition()) {
        guard Date() < deadline else { throw WaitTimedOut(what: what, seconds: timeout) }
        try await Task.sleep(for: .milliseconds(10))
    }
}
