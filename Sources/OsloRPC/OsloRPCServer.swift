import AMQP
import AgentSupport
import FoundationEssentials
import Logging

/// An oslo.messaging RPC server: reads deliveries, decodes them, dispatches each to the endpoint concurrently,
/// and answers calls on the default exchange with routing key `_reply_q`, one message with `ending: true`.
///
/// Bad input never stops it: a body that is not JSON, an unknown envelope version, a message without `method`,
/// `args` that is not an object, an unknown method or version, an oversized body — each is logged, answered with a
/// failure when the caller can be found, and dropped (deliveries are acknowledged on arrival, so nothing is
/// requeued for ever).
public final class OsloRPCServer: Sendable {
    private let endpoint: any RPCEndpoint
    private let publisher: any OsloMessagePublisher
    private let configuration: RPCServerConfiguration
    private let serializer: any RPCSerializer
    private let duplicates = DuplicateMessageFilter()
    private let logger: Logger

    public init(
        endpoint: any RPCEndpoint, publisher: any OsloMessagePublisher,
        configuration: RPCServerConfiguration = RPCServerConfiguration(),
        serializer: any RPCSerializer = PassthroughSerializer(), logger: Logger
    ) {
        self.endpoint = endpoint
        self.publisher = publisher
        self.configuration = configuration
        self.serializer = serializer
        self.logger = logger
    }

    /// Serves `deliveries` until the sequence ends, then waits for the requests still running.
    public func serve<Deliveries: AsyncSequence & Sendable>(_ deliveries: Deliveries) async
    where Deliveries.Element == AMQPDelivery {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            do {
                for try await delivery in deliveries {
                    if running >= configuration.maximumConcurrentRequests {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await self.process(delivery.body) }
                }
            } catch {
                logger.error("RPC delivery stream failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Handles one message body: decode, dispatch, reply. Never throws: every failure is logged or answered.
    public func process(_ body: [UInt8]) async {
        guard body.count <= configuration.maximumMessageBytes else {
            let problem = "message of \(body.count) bytes is larger than the \(configuration.maximumMessageBytes)-byte limit"
            logger.warning("dropping RPC message", metadata: ["rpc.problem": "\(problem)"])
            await replyToUnreadable(body, RemoteError.builtin("ValueError", problem))
            return
        }
        let dict: [String: JSONValue]
        do {
            dict = try OsloEnvelope.decode(body)
        } catch {
            logger.warning("dropping RPC message", metadata: ["rpc.problem": "\(error)"])
            if case .unsupportedEnvelopeVersion(let version) = error {
                await replyToUnreadable(body, .unsupportedEnvelopeVersion(version))
            } else {
                await replyToUnreadable(body, .builtin("ValueError", error.description))
            }
            return
        }
        var request: RPCRequest
        switch RPCRequest.decode(dict) {
        case .success(let decoded):
            request = decoded
        case .failure(let failure):
            logger.warning("dropping RPC message", metadata: ["rpc.problem": "\(failure.error.message)"])
            if let reply = failure.reply { send(.failure(failure.error), to: reply, method: "?") }
            return
        }
        if let uniqueID = request.uniqueID, !duplicates.isFirstSighting(uniqueID) {
            logger.info("skipping duplicate RPC message", metadata: ["rpc.unique_id": "\(uniqueID)"])
            return
        }
        do {
            request.context = try serializer.deserializeContext(request.context)
        } catch {
            logger.warning("dropping RPC message", metadata: ["rpc.method": "\(request.method)", "rpc.problem": "\(error.message)"])
            if let reply = request.reply { send(.failure(error), to: reply, method: request.method) }
            return
        }
        request.args = request.args.mapValues(serializer.deserializeEntity)
        await dispatch(request)
    }

    private func dispatch(_ request: RPCRequest) async {
        var logger = logger
        logger[metadataKey: "rpc.method"] = "\(request.method)"
        if let requestID = request.context.requestID { logger[metadataKey: "request_id"] = "\(requestID)" }
        logger.debug("RPC \(request.isCall ? "call" : "cast") received", metadata: ["rpc.args": "\(request.args.keys.sorted())"])

        let outcome: Result<JSONValue, RemoteError>
        if let problem = admissionProblem(request) {
            outcome = .failure(problem)
        } else {
            let monitor = startCallMonitor(for: request)
            do {
                outcome = .success(try await endpoint.handle(request))
            } catch let error as any RemoteErrorConvertible {
                outcome = .failure(error.remoteError)
            } catch {
                outcome = .failure(configuration.mapUnknownError(error))
            }
            monitor?.cancel()
        }
        if case .failure(let error) = outcome {
            logger.log(
                level: request.isCall ? .info : .error, "RPC \(request.isCall ? "call" : "cast") failed",
                metadata: ["error": "\(error)"])
        }
        guard let reply = request.reply else { return }
        send(outcome, to: reply, method: request.method)
    }

    /// Why oslo's dispatcher would refuse `request` before calling anything.
    private func admissionProblem(_ request: RPCRequest) -> RemoteError? {
        if let namespace = request.namespace {
            return .builtin("ValueError", "RPC namespace '\(namespace)' is not served by this endpoint")
        }
        guard let requested = RPCVersion(request.version) else {
            return .unsupportedVersion(request.version, method: request.method)
        }
        guard endpoint.version.canServe(requested) else {
            return .unsupportedVersion(request.version, method: request.method)
        }
        guard !request.method.hasPrefix("_"), endpoint.supports(method: request.method) else {
            return .noSuchMethod(request.method)
        }
        return nil
    }

    /// oslo's call-monitor: while a call with `_timeout` runs, an `ending: false` reply every `_timeout / 2` s
    /// tells the caller the server is still working.
    private func startCallMonitor(for request: RPCRequest) -> Task<Void, Never>? {
        guard let reply = request.reply, let timeout = request.callMonitorTimeout, timeout > 0 else { return nil }
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(timeout / 2))
                if Task.isCancelled { return }
                let body = OsloEnvelope.encode([
                    "result": nil, "failure": nil, "ending": false, "_msg_id": .string(reply.messageID),
                    "_unique_id": .string(Self.newUniqueID()),
                ])
                try? await publisher.publish(
                    AMQPOutgoingMessage(exchange: "", routingKey: reply.queue, body: body),
                    deadline: Date().addingTimeInterval(timeout / 2))
            }
        }
    }

    private func replyToUnreadable(_ body: [UInt8], _ error: RemoteError) async {
        guard let reply = ReplyAddressScanner.scan(body) else { return }
        send(.failure(error), to: reply, method: "?")
    }

    private func send(_ outcome: Result<JSONValue, RemoteError>, to reply: RPCRequest.ReplyAddress, method: String) {
        var message: [String: JSONValue] = [
            "ending": true, "_msg_id": .string(reply.messageID), "_unique_id": .string(Self.newUniqueID()),
        ]
        switch outcome {
        case .success(let result):
            message["result"] = serializer.serializeEntity(result)
            message["failure"] = .null
        case .failure(let error):
            message["result"] = .null
            message["failure"] = .string(error.failureJSON())
        }
        let outgoing = AMQPOutgoingMessage(exchange: "", routingKey: reply.queue, body: OsloEnvelope.encode(message))
        // Handed over without waiting: the publisher thread confirms it, and only a failure needs anyone's attention.
        let logger = self.logger
        publisher.publish(outgoing, deadline: Date().addingTimeInterval(configuration.replyDeadlineSeconds)) { result in
            if case .failure(let error) = result {
                logger.warning(
                    "could not send an RPC reply",
                    metadata: ["rpc.method": "\(method)", "rpc.reply_q": "\(reply.queue)", "error": "\(error)"])
            }
        }
    }

    static func newUniqueID() -> String { RandomIdentifier.hex128() }
}
