import AgentSupport

/// One broker address.
public struct AMQPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: Secret<String>

    public init(host: String, port: Int, user: String, password: Secret<String>) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    /// `host:port` (never the password).
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// TLS settings for a connection.
public struct AMQPTLSOptions: Sendable, Equatable {
    /// PEM file with the CA certificates that may sign the broker's certificate; nil → the system store is not used
    /// by librabbitmq, so verification needs this file.
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?
    public var verifyPeer: Bool
    public var verifyHostname: Bool

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
        verifyPeer: Bool = true, verifyHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}

/// How the agent authenticates to the broker.
public enum AMQPLoginMethod: Sendable, Equatable {
    /// User name and password (oslo's PLAIN and AMQPLAIN: RabbitMQ accepts PLAIN for both).
    case plain
    /// The TLS client certificate's identity (`rabbit_login_method = EXTERNAL`).
    case external
}

/// Everything needed to open a connection, for every host of a cluster.
public struct AMQPConnectionParameters: Sendable, Equatable {
    /// Tried in order on each connection attempt; the next attempt starts after the last one that worked.
    public var endpoints: [AMQPEndpoint]
    public var virtualHost: String
    /// AMQP heartbeat in seconds (oslo's `heartbeat_timeout_threshold`); 0 disables heartbeats.
    public var heartbeatSeconds: Int
    public var tls: AMQPTLSOptions?
    /// Shown by `rabbitmqctl list_connections client_properties` (oslo sends `<argv0>:<pid>:<uuid>`).
    public var connectionName: String
    /// How long connecting, logging in and each synchronous broker method may take.
    public var operationTimeoutSeconds: Double
    public var loginMethod: AMQPLoginMethod

    public init(
        endpoints: [AMQPEndpoint], virtualHost: String = "/", heartbeatSeconds: Int = 60, tls: AMQPTLSOptions? = nil,
        connectionName: String, operationTimeoutSeconds: Double = 30, loginMethod: AMQPLoginMethod = .plain
    ) {
        self.loginMethod = loginMethod
        self.endpoints = endpoints
        self.virtualHost = virtualHost
        self.heartbeatSeconds = heartbeatSeconds
        self.tls = tls
        self.connectionName = connectionName
        self.operationTimeoutSeconds = operationTimeoutSeconds
    }
}
