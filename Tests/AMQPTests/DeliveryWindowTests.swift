import AMQP
import AgentSupport
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// The consumer's prefetch window against a real broker: the broker sends no more than the window until the
/// receiver takes deliveries, and what was never taken goes back to the queue when the consumer stops.
@Suite(.needsServices) struct DeliveryWindowTests {
    let logger = Logger(label: "amqp-window-tests")

    /// `messages_ready` and `messages_unacknowledged` of `queue`, as the broker counts them.
    func counts(of queue: String) async throws -> (ready: Int, unacknowledged: Int)? {
        let listing = try await ProcessRunner.run(
            "/usr/lib/rabbitmq/bin/rabbitmqctl",
            [
                "-n", "rabbit-\(try TestEnvironment.amqpPort())@localhost", "list_queues", "-q", "name",
                "messages_ready", "messages_unacknowledged",
            ],
            environment: [
                "HOME": try TestEnvironment.require("RABBITMQ_DIR") + "/home",
                "ERL_EPMD_PORT": try TestEnvironment.require("EPMD_PORT"),
            ])
        guard let line = listing.stdout.split(separator: "\n").first(where: { $0.hasPrefix(queue) }) else { return nil }
        let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
        guard fields.count == 3, let ready = Int(fields[1]), let unacknowledged = Int(fields[2]) else { return nil }
        return (ready, unacknowledged)
    }

    @Test func theBrokerSendsNoMoreThanTheWindowUntilDeliveriesAreTaken() async throws {
        let queue = uniqueName("window")
        let topology = AMQPTopology(queues: [
            AMQPQueueDeclaration(name: queue, durable: false, autoDelete: false, bindings: [])
        ])
        // The consumer declares the queue (a publisher declares only exchanges), then the messages arrive.
        let ready = AsyncStream<Void>.makeStream()
        let consumer = AMQPConsumer(
            parameters: try brokerParameters(), topology: topology, prefetchCount: 3, logger: logger,
            stateObserver: { if case .ready = $0 { ready.continuation.yield() } })
        let deliveries = consumer.start()
        defer { consumer.stop() }
        for await _ in ready.stream { break }
        let received = Mutex<[AMQPDelivery]>([])
        let reading = Task {
            for await delivery in deliveries { received.withLock { $0.append(delivery) } }
        }
        let publisher = AMQPPublisher(parameters: try brokerParameters(), topology: topology, logger: logger)
        publisher.start()
        defer { publisher.stop() }
        for index in 0..<10 {
            try await publisher.publish(
                AMQPOutgoingMessage(exchange: "", routingKey: queue, body: Array("m\(index)".utf8)),
                deadline: Date().addingTimeInterval(10))
        }
        try await waitFor("3 deliveries, the broker holding 7 and waiting for 3 acknowledgements") {
            guard received.withLock({ $0.count }) == 3 else { return false }
            return try await counts(of: queue).map { $0 == (7, 3) } ?? false
        }
        // Taking one makes room for exactly one more.
        #expect(received.withLock { $0[0] }.receipt.acknowledge())
        try await waitFor("a fourth delivery, the broker holding 6 and waiting for 3 acknowledgements") {
            guard received.withLock({ $0.count }) == 4 else { return false }
            return try await counts(of: queue).map { $0 == (6, 3) } ?? false
        }
        let bodies = received.withLock { $0.map { String(decoding: $0.body, as: UTF8.self) } }
        #expect(bodies == ["m0", "m1", "m2", "m3"])
        // Stopping gives back what was not taken; a receipt of the closed connection can no longer take anything.
        consumer.stop()
        await reading.value
        try await waitFor("the 9 untaken messages back in the queue") {
            try await counts(of: queue).map { $0 == (9, 0) } ?? false
        }
        #expect(!received.withLock { $0[1] }.receipt.acknowledge())
        #expect(AMQPDeliveryReceipt.unmanaged.acknowledge())
        #expect(received.withLock { $0.count } == 4)
    }
}
