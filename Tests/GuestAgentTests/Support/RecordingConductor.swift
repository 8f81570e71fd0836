import AgentSupport
import AMQP
import Foundation
import GuestAgent
import Logging
import OsloRPC
import Synchronization

/// Stands in for the broker under a real ``ConductorClient``: keeps every cast it publishes (decoded from the
/// oslo envelope), and can refuse to publish (a broker that is down).
final class RecordingPublisher: OsloMessagePublisher {
    struct BrokerDown: Error {}

    private let state = Mutex<(messages: [[String: JSONValue]], down: Bool, noRoute: Bool, waiters: [(Int, CheckedContinuation<Void, Never>)])>(([], false, false, []))

    func publish(_ message: AMQPOutgoingMessage, deadline: Date) async throws {
        let decoded = try OsloEnvelope.decode(message.body)
        let waiters = try state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.down { throw BrokerDown() }
            if state.noRoute {
                // What the broker does with a message no queue is bound for: a mandatory one comes back, the
                // others vanish.
                if message.mandatory {
                    throw AMQPError.unroutable(exchange: message.exchange, routingKey: message.routingKey, code: 312, text: "NO_ROUTE")
                }
                return []
            }
            state.messages.append(decoded)
            let count = state.messages.count
            let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
            state.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    /// No queue is bound for the conductor's topic (a non-durable queue a broker restart removed).
    func setNoRoute(_ noRoute: Bool) { state.withLock { $0.noRoute = noRoute } }

    /// Every message published so far (`method`, `args`, `_context_*`...).
    var messages: [[String: JSONValue]] { state.withLock { $0.messages } }

    /// The `update_backup` casts' args, in order.
    var backupUpdates: [[String: JSONValue]] {
        messages.filter { $0["method"] == "update_backup" }.compactMap { $0["args"]?.objectValue }
    }

    /// The states `update_backup` reported for `backupID`.
    func states(of backupID: String) -> [String] {
        backupUpdates.filter { $0["backup_id"]?.stringValue == backupID }.compactMap { $0["state"]?.stringValue }
    }

    /// Waits until at least `count` messages were published.
    func waitForMessages(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.messages.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func makeConductor(guestID: String = "guest-1") -> ConductorClient {
        ConductorClient(
            caster: OsloRPCCaster(publisher: self, exchange: "trove"), topic: "trove-conductor", guestID: guestID,
            logger: Logger(label: "conductor") { _ in SwiftLogNoOpLogHandler() })
    }
}
