import AMQP
import AgentSupport
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// Runs a blocking librabbitmq call on its own thread, as production code does.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DedicatedThread.start(name: "amqp-test") { continuation.resume(with: Result { try body() }) }
    }
}

func brokerParameters(port: Int? = nil, user: String = "guest", password: String = "guest", tls: AMQPTLSOptions? = nil,
                      host: String = "127.0.0.1") throws -> AMQPConnectionParameters {
    AMQPConnectionParameters(
        endpoints: [AMQPEndpoint(host: host, port: try port ?? TestEnvironment.amqpPort(), user: user, password: Secret(password))],
        heartbeatSeconds: 10, tls: tls, connectionName: "amqp-tests", operationTimeoutSeconds: 10)
}

func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

@Suite(.needsServices) struct AMQPBrokerTests {
    let logger = Logger(label: "amqp-tests")

    @Test func publishedMessagesArriveWithTheirPropertiesAndConfirm() async throws {
        let exchange = uniqueName("ex")
        let queue = uniqueName("q")
        let topology = AMQPTopology(
            exchanges: [AMQPExchangeDeclaration(name: exchange, type: "topic", durable: false, autoDelete: false)],
            queues: [AMQPQueueDeclaration(name: queue, durable: false, autoDelete: true, bindings: [(exchange, queue)])])
        let ready = AsyncStream<Void>.makeStream()
        let consumer = AMQPConsumer(
            parameters: try brokerParameters(), topology: topology, prefetchCount: 8, logger: logger,
            stateObserver: { if case .ready = $0 { ready.continuation.yield() } })
        let deliveries = consumer.start()
        defer { consumer.stop() }
        for await _ in ready.stream { break }
        let publisher = AMQPPublisher(parameters: try brokerParameters(), topology: topology, logger: logger)
        publisher.start()
        defer { publisher.stop() }
        var properties = AMQPMessageProperties.osloJSON
        properties.expiration = "15000"
        try await publisher.publish(
            AMQPOutgoingMessage(exchange: exchange, routingKey: queue, body: Array("hello".utf8), properties: properties),
            deadline: Date().addingTimeInterval(10))
        var iterator = deliveries.makeAsyncIterator()
        let delivery = try #require(await iterator.next())
        #expect(delivery.body == Array("hello".utf8))
        #expect(delivery.exchange == exchange)
        #expect(delivery.routingKey == queue)
        #expect(delivery.properties.contentType == "application/json")
        #expect(delivery.properties.deliveryMode == 2)
        #expect(delivery.properties.expiration == "15000")
    }

    @Test func aLargeBodyCrossesFrameBoundaries() async throws {
        let queue = uniqueName("big")
        let topology = AMQPTopology(queues: [AMQPQueueDeclaration(name: queue, durable: false, autoDelete: true, bindings: [])])
        let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = try await onThread { () throws -> [UInt8] in
            let connection = try AMQPConnection(
                endpoint: try brokerParameters().endpoints[0], parameters: try brokerParameters())
            try connection.declare(topology)
            try connection.enablePublisherConfirms()
            let sequence = try connection.publish(AMQPOutgoingMessage(exchange: "", routingKey: queue, body: body))
            try connection.waitForConfirm(upTo: sequence, timeout: 10)
            try connection.consume(queue: queue)
            for _ in 0..<40 {
                if let delivery = try connection.nextDelivery(timeout: 0.25) {
                    try connection.ack(delivery.deliveryTag)
                    return delivery.body
                }
            }
            return []
        }
        #expect(received == body)
    }

    @Test func anInequivalentRedeclarationIsA406NamingTheQueue() async throws {
        let queue = uniqueName("q406")
        let error = await #expect(throws: AMQPError.self) {
            try await onThread {
                let connection = try AMQPConnection(endpoint: try brokerParameters().endpoints[0], parameters: try brokerParameters())
                try connection.declare(AMQPTopology(queues: [
                    AMQPQueueDeclaration(name: queue, durable: false, autoDelete: true, bindings: []),
                ]))
                try connection.declare(AMQPTopology(queues: [
                    AMQPQueueDeclaration(name: queue, durable: true, autoDelete: true, bindings: []),
                ]))
            }
        }
        guard case .server(let function, .channel, 406, let text)? = error else {
            Issue.record("expected a 406 channel close, got \(String(describing: error))")
            return
        }
        #expect(function.contains(queue))
        #expect(text.contains("PRECONDITION_FAILED"))
        #expect(error?.isTransient == false)
    }

    @Test func badCredentialsAreRefusedWithoutLeakingThePassword() async throws {
        let error = await #expect(throws: AMQPError.self) {
            try await onThread {
                let parameters = try brokerParameters(password: "s3cret-wrong")
                _ = try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters)
            }
        }
        let text = String(describing: error)
        #expect(text.contains("403") || text.contains("ACCESS_REFUSED") || text.contains("login"))
        #expect(!text.contains("s3cret-wrong"))
    }

    @Test func nothingListeningIsATransientSocketError() async throws {
        let error = await #expect(throws: AMQPError.self) {
            try await onThread {
                let parameters = try brokerParameters(port: 1)
                _ = try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters)
            }
        }
        #expect(error?.isTransient == true)
    }
}

@Suite(.needsServices) struct AMQPTLSTests {
    func tlsPort() throws -> Int { Int(try TestEnvironment.require("AMQPS_PORT"))! }

    @Test func connectsWithPeerAndHostnameVerification() async throws {
        let tls = AMQPTLSOptions(caFile: try TestEnvironment.require("AMQP_TLS_CA"), verifyPeer: true, verifyHostname: true)
        let parameters = try brokerParameters(port: try tlsPort(), tls: tls, host: "localhost")
        let heartbeat = try await onThread {
            try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters).negotiatedHeartbeat
        }
        #expect(heartbeat == 10)
    }

    @Test func refusesACertificateSignedByAnotherCA() async throws {
        let tls = AMQPTLSOptions(caFile: try TestEnvironment.require("AMQP_TLS_WRONG_CA"))
        let parameters = try brokerParameters(port: try tlsPort(), tls: tls, host: "localhost")
        await #expect(throws: AMQPError.self) {
            try await onThread { _ = try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters) }
        }
    }

    @Test func refusesACertificateForAnotherHostName() async throws {
        // The broker's certificate names "localhost" only; 127.0.0.1 does not match it.
        let tls = AMQPTLSOptions(caFile: try TestEnvironment.require("AMQP_TLS_CA"), verifyHostname: true)
        let parameters = try brokerParameters(port: try tlsPort(), tls: tls, host: "127.0.0.1")
        await #expect(throws: AMQPError.self) {
            try await onThread { _ = try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters) }
        }
    }
}

@Suite(.needsServices) struct ReconnectBackoffTests {
    @Test func growsThenCaps() {
        let backoff = ReconnectBackoff(initial: 1, factor: 2, maximum: 30)
        #expect((0..<7).map(backoff.ceiling(attempt:)) == [1, 2, 4, 8, 16, 30, 30])
    }

    @Test func jitterStaysWithinHalfToFullCeiling() {
        var generator = SystemRandomNumberGenerator()
        let backoff = ReconnectBackoff()
        for attempt in 0..<10 {
            let delay = backoff.delay(attempt: attempt, using: &generator)
            #expect(delay >= backoff.ceiling(attempt: attempt) / 2 && delay <= backoff.ceiling(attempt: attempt))
        }
    }
}
