import AgentSupport
import AMQP
import Foundation
import Logging
import OsloRPC
import Synchronization
import Testing

/// Lets waiting tasks through one per permit.
final class PermitGate: Sendable {
    private let state = Mutex<(permits: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func release(_ count: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.permits += count
            let woken = Array(state.waiters.prefix(state.permits))
            state.waiters.removeFirst(woken.count)
            state.permits -= woken.count
            return woken
        }
        for waiter in woken { waiter.resume() }
    }
}

/// An endpoint whose `slow` state changes wait at a gate, beside a prompt `ping` and a read `peek`.
struct LanedEndpoint: RPCEndpoint {
    let version = RPCVersion(major: 1, minor: 0)
    let gate: PermitGate

    func supports(method: String) -> Bool { ["slow", "ping", "peek"].contains(method) }

    func lane(of method: String) -> RPCLane {
        switch method {
        case "ping": .prompt
        case "peek": .reads
        default: .standard
        }
    }

    func handle(_ request: RPCRequest) async throws -> JSONValue {
        if request.method == "slow" { await gate.wait() }
        return .string(request.method)
    }
}

@Suite struct LaneTests {
    func delivery(_ message: [String: JSONValue]) -> AMQPDelivery {
        AMQPDelivery(
            body: body(message), exchange: "trove", routingKey: "t", consumerTag: "c", deliveryTag: 1,
            redelivered: false, properties: .osloJSON)
    }

    /// Row 9 in miniature: every standard slot waits and more state changes queue behind them; a ping and a read
    /// are still answered, and every state change is served once they can go on.
    @Test func promptAndReadCallsAreAnsweredWhileEveryStandardSlotWaits() async throws {
        let gate = PermitGate()
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(
            endpoint: LanedEndpoint(gate: gate), publisher: publisher,
            configuration: RPCServerConfiguration(maximumConcurrentRequests: 2), logger: Logger(label: "test"))
        let (deliveries, feed) = AsyncStream<AMQPDelivery>.makeStream()
        let serving = Task { await server.serve(deliveries) }
        for index in 0..<5 { feed.yield(delivery(call("slow", id: "s\(index)"))) }
        feed.yield(delivery(call("ping", id: "p")))
        feed.yield(delivery(call("peek", id: "r")))
        var replies = publisher.stream.makeAsyncIterator()
        let first = try reply(try #require(await replies.next()))
        let second = try reply(try #require(await replies.next()))
        #expect(Set([first["_msg_id"], second["_msg_id"]]) == ["msg-p", "msg-r"])
        gate.release(5)
        var rest: Set<JSONValue?> = []
        for _ in 0..<5 { rest.insert(try reply(try #require(await replies.next()))["_msg_id"]) }
        #expect(rest == ["msg-s0", "msg-s1", "msg-s2", "msg-s3", "msg-s4"])
        feed.finish()
        await serving.value
    }
}
