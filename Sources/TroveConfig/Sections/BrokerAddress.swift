import AgentSupport

/// One RabbitMQ broker to connect to, with the credentials for it.
///
/// Its textual forms never contain the password.
public struct BrokerAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets).
    public let host: String
    /// TCP port.
    public let port: Int
    /// Login user.
    public let username: String
    /// Login password.
    public let password: Secret<String>

    public init(host: String, port: Int, username: String, password: Secret<String>) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// `host:port`, with IPv6 addresses in brackets.
    public var hostAndPort: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// `user@host:port`.
    public var description: String { "\(username)@\(hostAndPort)" }
}
