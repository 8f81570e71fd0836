/// What went wrong talking to the broker, with the librabbitmq function that reported it.
public enum AMQPError: Error, Equatable, CustomStringConvertible {
    /// Which part of the connection the broker closed.
    public enum Scope: String, Sendable, Equatable { case connection, channel }

    /// librabbitmq reported a status (socket error, timeout, bad frame...).
    case library(function: String, status: Int32, message: String)
    /// The broker closed the connection or the channel with a reply code, e.g. 403 ACCESS_REFUSED,
    /// 404 NOT_FOUND, 406 PRECONDITION_FAILED, 320 CONNECTION_FORCED.
    case server(function: String, scope: Scope, code: UInt16, text: String)
    /// A TLS setting could not be applied (CA file, client certificate, key).
    case tls(String)
    /// The broker sent something the protocol does not allow at this point.
    case unexpected(function: String, detail: String)
    /// The publisher or consumer was stopped before the operation completed.
    case stopped
    /// A publish was not confirmed by the broker in time.
    case confirmTimeout
    /// A `mandatory` publish reached no queue: the broker returned it (`basic.return`, e.g. 312 NO_ROUTE, when the
    /// queue bound to the routing key does not exist right now). Nothing was delivered; sending it again later may.
    case unroutable(exchange: String, routingKey: String, code: UInt16, text: String)

    public var description: String {
        switch self {
        case .library(let function, let status, let message):
            "\(function): \(message) (librabbitmq status \(status))"
        case .server(let function, let scope, let code, let text):
            "\(function): broker closed the \(scope.rawValue): \(code) \(text)"
        case .tls(let detail): "TLS: \(detail)"
        case .unexpected(let function, let detail): "\(function): unexpected from broker: \(detail)"
        case .stopped: "stopped before the operation completed"
        case .confirmTimeout: "the broker did not confirm the publish in time"
        case .unroutable(let exchange, let routingKey, let code, let text):
            "the broker routed the message to no queue (exchange \(exchange.isEmpty ? "(default)" : exchange), "
                + "routing key \(routingKey)): \(code) \(text)"
        }
    }

    /// Whether reconnecting may help (a network error, a broker restart), as opposed to a setting that will keep
    /// failing (bad credentials, a missing vhost, an inequivalent queue declaration).
    public var isTransient: Bool {
        switch self {
        case .library, .unexpected, .confirmTimeout, .unroutable: true
        case .server(_, _, let code, _): code == 320 || code == 541 || code == 501 || code == 505 || code == 506
        case .tls, .stopped: false
        }
    }
}
