import AMQP
import AgentSupport
import FoundationEssentials
import Logging

/// An oslo.messaging RPC server: reads deliveries, decodes them, dispatches each to the endpoint concurrently,
/// and answers calls on the default exchange with routing key `_reply_q`, one message with `ending: true`.
///
/// Bad input never stops it: a body that is not JSON, an unknown envelope version, a message without `method`,
/// `args` that is not an object, an unknown method or version, an oversized body, a number out of range — each is
/// logged, answered with a failure when the caller can be found, and dropped (its delivery is taken, so nothing is
/// requeued for ever).
///
/// Requests run in lanes (``RPCLane``), each with slots of its own: a request is read and checked as soon as it
/// arrives and starts when its lane has a free slot; its delivery is taken from the broker (acknowledged) only
/// then. Until then it waits, in arrival order, within the consumer's prefetch window, so the broker keeps what
/// the agent has no room for, while `rpc_ping` still finds a free slot of its own.
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

    /// Serves `deliveries` until the sequence ends, then waits for the requests still running. Requests still
    /// waiting for a slot then are dropped: their deliveries were never taken, and the broker keeps them.
    public func serve<Deliveries: AsyncSequence & Sendable>(_ deliveries: Deliveries) async
    where Deliveries.Element == AMQPDelivery {
        let scheduler = RequestScheduler(configuration: configuration)
        await withDiscardingTaskGroup { group in
            do {
                for try await delivery in deliveries {
                    guard let admitted = read(delivery.body, receipt: delivery.receipt) else { continue }
                    if let start = scheduler.admit(admitted) {
                        group.addTask { await self.work(from: start, scheduler: scheduler) }
                    }
                }
            } catch {
                logger.error("RPC delivery stream failed", metadata: ["error": "\(error)"])
            }
            let left = scheduler.abandonWaiting()
            if left > 0 {
                logger.info("requests not started are left with the broker", metadata: ["rpc.requests": "\(left)"])
            }
        }
    }

    /// Runs `first`, then whatever waits in its lane, one after the other, in the slot `first` was given.
    private func work(from first: AdmittedRequest, scheduler: RequestScheduler) async {
        var next: AdmittedRequest? = first
        while let admitted = next {
            await start(admitted)
            next = scheduler.next(after: admitted.lane)
        }
    }

    /// Takes the request's delivery and runs it, unless its connection is gone (the broker delivers it again) or
    /// it is a duplicate. Duplicates are recognised here, when a request is taken, not when it arrives: a copy
    /// dropped with its connection must not make the redelivered one look like a duplicate.
    private func start(_ admitted: AdmittedRequest) async {
        let request = admitted.request
        guard admitted.receipt.acknowledge() else {
            logger.debug(
                "RPC message not started: its connection is gone and the broker delivers it again",
                metadata: ["rpc.method": "\(request.method)"])
            return
        }
        if let uniqueID = request.uniqueID, !duplicates.isFirstSighting(uniqueID) {
            logger.info("skipping duplicate RPC message", metadata: ["rpc.unique_id": "\(uniqueID)"])
            return
        }
        await dispatch(request)
    }

    /// Handles one message body at once, in no lane: decode, dispatch, reply. Never throws: every failure is
    /// logged or answered.
    public func process(_ body: [UInt8]) async {
        guard let admitted = read(body, receipt: .unmanaged) else { return }
        await start(admitted)
    }

    /// Decodes and checks a body. What cannot run is taken from the broker, logged, answered when the caller can be
    /// found, and dropped (nil); what can run is returned with its lane, its delivery not yet taken.
    private func read(_ body: [UInt8], receipt: AMQPDeliveryReceipt) -> AdmittedRequest? {
        func drop(_ problem: String, _ error: RemoteError?, to reply: RPCRequest.ReplyAddress?, method: String = "?") {
            // A copy on a connection that is gone comes again: that one is answered.
            guard receipt.acknowledge() else { return }
            logger.warning("dropping RPC message", metadata: ["rpc.method": "\(method)", "rpc.problem": "\(problem)"])
            if let error, let reply { send(.failure(error), to: reply, method: method) }
        }
        guard body.count <= configuration.maximumMessageBytes else {
            let problem = "message of \(body.count) bytes is larger than the \(configuration.maximumMessageBytes)-byte limit"
            drop(problem, .builtin("ValueError", problem), to: ReplyAddressScanner.scan(body))
            return nil
        }
        let dict: [String: JSONValue]
        do {
            dict = try OsloEnvelope.decode(body)
        } catch {
            let remote: RemoteError
            if case .unsupportedEnvelopeVersion(let version) = error {
                remote = .unsupportedEnvelopeVersion(version)
            } else {
                remote = .builtin("ValueError", error.description)
            }
            drop(error.description, remote, to: ReplyAddressScanner.scan(body))
            return nil
        }
        var request: RPCRequest
        switch RPCRequest.decode(dict) {
        case .success(let decoded):
            request = decoded
        case .failure(let failure):
            drop(failure.error.message, failure.error, to: failure.reply)
            return nil
        }
        do {
            request.context = try serializer.deserializeContext(request.context)
        } catch {
            drop(error.message, error, to: request.reply, method: request.method)
            return nil
        }
        if let problem = admissionProblem(request) {
            drop(problem.message, problem, to: request.reply, method: request.method)
            return nil
        }
        request.args = request.args.mapValues(serializer.deserializeEntity)
        return AdmittedRequest(request: request, lane: endpoint.lane(of: request.method), receipt: receipt)
    }

    private func dispatch(_ request: RPCRequest) async {
        var logger = logger
        logger[metadataKey: "rpc.method"] = "\(request.method)"
        if let requestID = request.context.requestID { logger[metadataKey: "request_id"] = "\(requestID)" }
        logger.debug("RPC \(request.isCall ? "call" : "cast") received", metadata: ["rpc.args": "\(request.args.keys.sorted())"])

        let outcome: Result<JSONValue, RemoteError>
        let monitor = startCallMonitor(for: request)
        do {
            outcome = .success(try await endpoint.handle(request))
        } catch let error as any RemoteErrorConvertible {
            outcome = .failure(error.remoteError)
        } catch {
            outcome = .failure(configuration.mapUnknownError(error))
        }
        monitor?.cancel()
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
    /// tells the caller the server is still working. As oslo's, an interval under one second is ignored (it would
    /// be a flood of heartbeats); ``RPCRequest/decode(_:)`` has bounded `_timeout` to a year.
    private func startCallMonitor(for request: RPCRequest) -> Task<Void, Never>? {
        guard let reply = request.reply, let timeout = request.callMonitorTimeout else { return nil }
        let interval = timeout / 2
        guard interval >= 1 else { return nil }
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { return }
                let body = OsloEnvelope.encode([
                    "result": nil, "failure": nil, "ending": false, "_msg_id": .string(reply.messageID),
                    "_unique_id": .string(Self.newUniqueID()),
                ])
                try? await publisher.publish(
                    AMQPOutgoingMessage(exchange: "", routingKey: reply.queue, body: body),
                    deadline: Date().addingTimeInterval(interval))
            }
        }
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
