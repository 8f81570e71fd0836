internal import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import AgentSupport

/// One librabbitmq connection with one channel (number 1): open, declare, consume, publish, close.
///
/// librabbitmq connections are not thread-safe ("you cannot share a socket, an `amqp_connection_state_t`, or a
/// channel between threads"), so this type is deliberately not `Sendable`: create it, use it and let it go on one
/// thread. Every method blocks; call them only from a ``DedicatedThread``.
public final class AMQPConnection {
    private let state: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    /// False once the broker or the socket failed: then `deinit` skips the close handshake.
    private var healthy = false
    private var nextPublishSequence: UInt64 = 1
    private var confirmsEnabled = false
    /// Messages the broker returned (`basic.return`) since the last ``takeReturned()``.
    private var returned: [AMQPReturnedMessage] = []
    public let endpoint: AMQPEndpoint

    /// Connects to `endpoint`, logs in and opens channel 1.
    ///
    /// - Throws: ``AMQPError`` — `.library` for socket/TLS/timeout failures, `.server` when the broker refuses the
    ///   login (403) or the virtual host (530).
    public init(endpoint: AMQPEndpoint, parameters: AMQPConnectionParameters) throws {
        guard let state = amqp_new_connection() else {
            throw AMQPError.library(function: "amqp_new_connection", status: -1, message: "out of memory")
        }
        self.state = state
        self.endpoint = endpoint
        // Every stored property is set: if `open` throws, `deinit` runs and destroys the state (once).
        try open(parameters)
        healthy = true
    }

    deinit {
        if healthy {
            _ = amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
            _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        }
        amqp_destroy_connection(state)
    }

    /// The socket, for `poll()`.
    public var fileDescriptor: Int32 { amqp_get_sockfd(state) }

    /// The heartbeat the broker and we agreed on, in seconds (0 = none).
    public var negotiatedHeartbeat: Int { Int(amqp_get_heartbeat(state)) }

    // MARK: Opening

    private func open(_ parameters: AMQPConnectionParameters) throws {
        let arena = CArena()
        let socket: OpaquePointer?
        if let tls = parameters.tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw AMQPError.tls("could not create a TLS socket") }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
            if let caFile = tls.caFile {
                let status = amqp_ssl_socket_set_cacert(socket, arena.cString(caFile))
                if status != AMQP_STATUS_OK.rawValue {
                    throw AMQPError.tls("cannot use CA file \(caFile): \(Self.statusText(status))")
                }
            }
            if let certificate = tls.certificateFile, let key = tls.keyFile {
                let status = amqp_ssl_socket_set_key(socket, arena.cString(certificate), arena.cString(key))
                if status != AMQP_STATUS_OK.rawValue {
                    throw AMQPError.tls(
                        "cannot use client certificate \(certificate) / key \(key): \(Self.statusText(status))")
                }
            }
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else {
            throw AMQPError.library(function: "amqp_tcp_socket_new", status: -1, message: "cannot create a socket")
        }
        var timeout = Self.timeval(seconds: parameters.operationTimeoutSeconds)
        let opened = amqp_socket_open_noblock(socket, arena.cString(endpoint.host), Int32(endpoint.port), &timeout)
        if opened != AMQP_STATUS_OK.rawValue {
            throw AMQPError.library(
                function: "amqp_socket_open(\(endpoint))", status: opened, message: Self.statusText(opened))
        }
        _ = amqp_set_handshake_timeout(state, &timeout)
        _ = amqp_set_rpc_timeout(state, &timeout)
        var properties = arena.table([
            ("connection_name", .string(parameters.connectionName)),
            ("product", .string("trove-db2-agent")),
            (
                "capabilities",
                .table([
                    ("authentication_failure_close", .bool(true)),
                    ("consumer_cancel_notify", .bool(true)),
                    ("connection.blocked", .bool(true)),
                    ("publisher_confirms", .bool(true)),
                ])
            ),
        ])
        let login =
            switch parameters.loginMethod {
            case .plain:
                CRabbitMQ_login_plain(
                    state, arena.cString(parameters.virtualHost), 0, 131_072, Int32(parameters.heartbeatSeconds),
                    &properties, arena.cString(endpoint.user), arena.cString(endpoint.password.revealed))
            case .external:
                CRabbitMQ_login_external(
                    state, arena.cString(parameters.virtualHost), 0, 131_072, Int32(parameters.heartbeatSeconds),
                    &properties, arena.cString(endpoint.user))
            }
        try check(login, "login to \(endpoint) vhost \(parameters.virtualHost)")
        _ = amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "channel.open")
    }

    // MARK: Declaring

    /// Declares every exchange and queue of `topology` and binds the queues.
    ///
    /// - Throws: ``AMQPError/server(function:scope:code:text:)`` with 406 when an existing exchange or queue has
    ///   other flags or arguments (the control plane and the agent must agree on `amqp_durable_queues`,
    ///   `amqp_auto_delete`, `rabbit_ha_queues`).
    public func declare(_ topology: AMQPTopology) throws {
        for exchange in topology.exchanges {
            let arena = CArena()
            _ = amqp_exchange_declare(
                state, channel, arena.bytes(exchange.name), arena.bytes(exchange.type), 0, exchange.durable ? 1 : 0,
                exchange.autoDelete ? 1 : 0, 0, amqp_empty_table)
            try check(amqp_get_rpc_reply(state), "exchange.declare \(exchange.name)")
        }
        for queue in topology.queues {
            let arena = CArena()
            _ = amqp_queue_declare(
                state, channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, 0, queue.autoDelete ? 1 : 0,
                arena.table(queue.arguments))
            try check(amqp_get_rpc_reply(state), "queue.declare \(queue.name)")
            for binding in queue.bindings {
                _ = amqp_queue_bind(
                    state, channel, arena.bytes(queue.name), arena.bytes(binding.exchange),
                    arena.bytes(binding.routingKey), amqp_empty_table)
                try check(amqp_get_rpc_reply(state), "queue.bind \(queue.name) to \(binding.exchange)")
            }
        }
    }

    // MARK: Consuming

    /// Starts consuming from `queue` with manual acknowledgement; returns the consumer tag.
    @discardableResult
    public func consume(queue: String) throws -> String {
        let arena = CArena()
        guard
            let ok = amqp_basic_consume(
                state, channel, arena.bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        else {
            try check(amqp_get_rpc_reply(state), "basic.consume \(queue)")
            throw AMQPError.unexpected(function: "basic.consume \(queue)", detail: "no consume-ok")
        }
        return ok.pointee.consumer_tag.string
    }

    /// Lets the broker send each consumer started after this call at most `count` unacknowledged deliveries
    /// (`basic.qos`, per consumer: quorum queues refuse the channel-wide form); it keeps the rest until
    /// acknowledgements make room.
    public func setPrefetch(count: UInt16) throws {
        guard amqp_basic_qos(state, channel, 0, count, 0) != nil else {
            try check(amqp_get_rpc_reply(state), "basic.qos")
            throw AMQPError.unexpected(function: "basic.qos", detail: "no qos-ok")
        }
    }

    /// Waits up to `timeout` seconds for a delivery; `nil` when none came. Heartbeats are sent and checked while
    /// waiting.
    ///
    /// - Throws: ``AMQPError`` when the connection or channel failed: the caller reconnects.
    public func nextDelivery(timeout: Double) throws -> AMQPDelivery? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = Self.timeval(seconds: timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            return AMQPDelivery(
                body: envelope.message.body.array,
                exchange: envelope.exchange.string,
                routingKey: envelope.routing_key.string,
                consumerTag: envelope.consumer_tag.string,
                deliveryTag: envelope.delivery_tag,
                redelivered: envelope.redelivered != 0,
                properties: AMQPMessageProperties(envelope.message.properties))
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            // A frame other than a delivery is waiting: read it to learn what happened.
            var frame = amqp_frame_t()
            let status = amqp_simple_wait_frame(state, &frame)
            if status != AMQP_STATUS_OK.rawValue {
                healthy = false
                throw AMQPError.library(function: "amqp_simple_wait_frame", status: status, message: Self.statusText(status))
            }
            try handleUnsolicited(frame, function: "basic.consume")
            return nil
        default:
            try check(reply, "basic.consume")
            return nil
        }
    }

    /// Acknowledges one delivery.
    public func ack(_ deliveryTag: UInt64) throws {
        let status = amqp_basic_ack(state, channel, deliveryTag, 0)
        if status != AMQP_STATUS_OK.rawValue {
            healthy = false
            throw AMQPError.library(function: "basic.ack", status: status, message: Self.statusText(status))
        }
    }

    // MARK: Publishing

    /// Puts the channel in confirm mode: from now on ``publish(_:)`` returns a sequence number that
    /// ``waitForConfirm(upTo:timeout:)`` waits for.
    public func enablePublisherConfirms() throws {
        _ = amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
        confirmsEnabled = true
        nextPublishSequence = 1
    }

    /// Publishes one message; returns its publish sequence number (for confirms).
    @discardableResult
    public func publish(_ message: AMQPOutgoingMessage) throws -> UInt64 {
        let arena = CArena()
        var properties = message.properties.cProperties(arena: arena)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, channel, arena.bytes(message.exchange), arena.bytes(message.routingKey),
                message.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        if status != AMQP_STATUS_OK.rawValue {
            healthy = false
            throw AMQPError.library(
                function: "basic.publish to \(message.exchange.isEmpty ? "(default)" : message.exchange)",
                status: status, message: Self.statusText(status))
        }
        defer { nextPublishSequence += 1 }
        return nextPublishSequence
    }

    /// Waits until the broker confirmed every publish up to and including `sequence`.
    ///
    /// - Throws: ``AMQPError/confirmTimeout``, or `.unexpected` when the broker nacked (it could not take the
    ///   message), or `.server` when it closed the channel (e.g. 404: the exchange does not exist).
    public func waitForConfirm(upTo sequence: UInt64, timeout: Double) throws {
        precondition(confirmsEnabled, "enablePublisherConfirms() first")
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { throw AMQPError.confirmTimeout }
            var frame = amqp_frame_t()
            var wait = Self.timeval(seconds: remaining)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
            if status == AMQP_STATUS_TIMEOUT.rawValue { throw AMQPError.confirmTimeout }
            if status != AMQP_STATUS_OK.rawValue {
                healthy = false
                throw AMQPError.library(function: "wait for confirm", status: status, message: Self.statusText(status))
            }
            guard frame.frame_type == AMQP_FRAME_METHOD else { continue }
            switch frame.payload.method.id {
            case AMQP_BASIC_ACK_METHOD:
                let ack = frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                if ack.delivery_tag >= sequence || (ack.delivery_tag == 0 && ack.multiple != 0) { return }
            case AMQP_BASIC_NACK_METHOD:
                let nack = frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                if nack.delivery_tag >= sequence || nack.multiple != 0 {
                    throw AMQPError.unexpected(
                        function: "basic.publish", detail: "the broker refused message \(nack.delivery_tag) (nack)")
                }
            default:
                try handleUnsolicited(frame, function: "wait for confirm")
            }
        }
    }

    /// The messages the broker returned (a `mandatory` publish that reached no queue) since the last call. RabbitMQ
    /// sends a return before the confirm of the same message, so after ``waitForConfirm(upTo:timeout:)`` of a
    /// publish this holds its return, if any.
    public func takeReturned() -> [AMQPReturnedMessage] {
        defer { returned.removeAll() }
        return returned
    }

    /// Sends and checks heartbeats on a connection that is otherwise idle (a publisher with nothing to send).
    public func serviceHeartbeats() throws {
        var frame = amqp_frame_t()
        var wait = Self.timeval(seconds: 0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return }
        if status != AMQP_STATUS_OK.rawValue {
            healthy = false
            throw AMQPError.library(function: "heartbeat", status: status, message: Self.statusText(status))
        }
        if frame.frame_type == AMQP_FRAME_METHOD { try handleUnsolicited(frame, function: "heartbeat") }
    }

    // MARK: Errors and frames

    /// Deals with a method frame nobody asked for: a close ends the connection (thrown), a returned message is
    /// read and dropped, anything else is ignored.
    private func handleUnsolicited(_ frame: amqp_frame_t, function: String) throws {
        guard frame.frame_type == AMQP_FRAME_METHOD else { return }
        let method = frame.payload.method
        switch method.id {
        case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
            try failOnClose(method, function: function)
        case AMQP_BASIC_CANCEL_METHOD:
            healthy = false
            throw AMQPError.unexpected(
                function: function, detail: "the broker cancelled the consumer (was the queue deleted?)")
        case AMQP_BASIC_RETURN_METHOD:
            let info = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            returned.append(
                AMQPReturnedMessage(
                    exchange: info.exchange.string, routingKey: info.routing_key.string, code: info.reply_code,
                    text: info.reply_text.string))
            // The returned message's header and body follow: read them so the next frame is a method again.
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            if reply.reply_type == AMQP_RESPONSE_NORMAL { amqp_destroy_message(&message) }
        default:
            break
        }
    }

    private func check(_ reply: amqp_rpc_reply_t, _ function: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            healthy = false
            throw AMQPError.library(
                function: function, status: reply.library_error, message: Self.statusText(reply.library_error))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            try failOnClose(reply.reply, function: function)
        default:
            healthy = false
            throw AMQPError.unexpected(function: function, detail: "no reply")
        }
    }

    /// Answers the broker's close with close-ok (so the broker logs a clean close) and throws what it said.
    private func failOnClose(_ method: amqp_method_t, function: String) throws -> Never {
        healthy = false
        switch method.id {
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            throw AMQPError.server(
                function: function, scope: .connection, code: close.reply_code, text: close.reply_text.string)
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            _ = amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            throw AMQPError.server(
                function: function, scope: .channel, code: close.reply_code, text: close.reply_text.string)
        default:
            throw AMQPError.unexpected(function: function, detail: "method 0x\(String(method.id, radix: 16))")
        }
    }

    static func statusText(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }

    static func timeval(seconds: Double) -> Glibc.timeval {
        let clamped = max(0, seconds)
        let whole = clamped.rounded(.down)
        return Glibc.timeval(tv_sec: Int(whole), tv_usec: Int((clamped - whole) * 1_000_000))
    }
}

@available(*, unavailable, message: "a librabbitmq connection belongs to the thread that made it")
extension AMQPConnection: Sendable {}
