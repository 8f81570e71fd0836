import AgentSupport

/// How the agent reaches RabbitMQ and declares its queues, from `transport_url` (or the legacy `rabbit_*`
/// options) and `[oslo_messaging_rabbit]`.
public struct MessagingConfiguration: Sendable, Equatable {
    /// Where the broker list came from.
    public enum Source: Sendable, Equatable {
        /// `[DEFAULT] transport_url`.
        case transportURL
        /// The legacy `rabbit_host(s)`/`rabbit_port`/`rabbit_userid`/`rabbit_password`/`rabbit_virtual_host`
        /// options (oslo.messaging before Stein), used because `transport_url` is unset.
        case legacyOptions
    }

    /// The SASL mechanism of the broker login.
    public enum LoginMethod: String, Sendable, Equatable {
        /// SASL PLAIN.
        case plain = "PLAIN"
        /// RabbitMQ's AMQPLAIN (oslo's default). It carries the same user and password as PLAIN, and RabbitMQ
        /// accepts either for the same user: a client without AMQPLAIN may log in with PLAIN.
        case amqplain = "AMQPLAIN"
        /// SASL EXTERNAL: the TLS client certificate identifies the user.
        case external = "EXTERNAL"
    }

    /// The order in which brokers are tried after a connection is lost.
    public enum FailoverStrategy: String, Sendable, Equatable {
        case roundRobin = "round-robin"
        case shuffle
    }

    /// TLS settings, present when `ssl` is on.
    public struct TLSOptions: Sendable, Equatable {
        /// Lowest protocol version to accept.
        public enum Version: String, Sendable, Equatable {
            case tls1_0 = "TLSv1"
            case tls1_1 = "TLSv1_1"
            case tls1_2 = "TLSv1_2"
            case tls1_3 = "TLSv1_3"
        }

        /// CA bundle that verifies the broker; `nil`: the system's trust store.
        public let caFile: String?
        /// Client certificate (PEM), if any.
        public let certificateFile: String?
        /// Client private key (PEM), if any.
        public let keyFile: String?
        /// Lowest version to accept; `nil` negotiates (`ssl_version` empty or `SSLv23`).
        public let minimumVersion: Version?
        /// Check that the certificate names the host connected to.
        public let verifyHostname: Bool
    }

    /// Flags and arguments of the queues and exchanges the agent declares. They must equal those the control
    /// plane declares, or RabbitMQ refuses the declaration (406 PRECONDITION_FAILED).
    public struct QueueOptions: Sendable, Equatable {
        /// `amqp_durable_queues` (quorum queues are durable whatever this says).
        public let durable: Bool
        /// `amqp_auto_delete`.
        public let autoDelete: Bool
        /// `rabbit_ha_queues`: `x-ha-policy: all`.
        public let haQueues: Bool
        /// `rabbit_quorum_queue`: `x-queue-type: quorum` for the RPC queues.
        public let quorum: Bool
        /// `rabbit_transient_quorum_queue`: quorum queues for fanout queues too.
        public let transientQuorum: Bool
        /// `rabbit_quorum_delivery_limit` (0: none).
        public let quorumDeliveryLimit: Int
        /// `rabbit_quorum_max_memory_length` (0: none).
        public let quorumMaxMemoryLength: Int
        /// `rabbit_quorum_max_memory_bytes` (0: none).
        public let quorumMaxMemoryBytes: Int
        /// `rabbit_transient_queues_ttl` in seconds: `x-expires` of fanout queues (0: none).
        public let transientQueuesTTLSeconds: Int
        /// `enable_cancel_on_failover`: consumer argument `x-cancel-on-ha-failover`.
        public let cancelOnFailover: Bool
    }

    /// Where ``brokers`` came from.
    public let source: Source
    /// The brokers, in configured order; the first that answers is used.
    public let brokers: [BrokerAddress]
    /// The virtual host (RabbitMQ's default is `/`).
    public let virtualHost: String
    /// Login mechanism.
    public let loginMethod: LoginMethod
    /// TLS settings, or `nil` for plain TCP.
    public let tls: TLSOptions?
    /// The topic exchange (`control_exchange`; Trove deployments use `trove`).
    public let controlExchange: String
    /// Default timeout of calls the agent makes (`rpc_response_timeout`).
    public let rpcResponseTimeout: Duration
    /// Largest message body accepted, in bytes (agent option `rpc_max_message_size`).
    public let maxMessageSize: Int
    /// Queue and exchange declaration settings.
    public let queues: QueueOptions
    /// `basic.qos` prefetch count (0: unlimited, no `basic.qos` sent).
    public let prefetchCount: Int
    /// AMQP heartbeat timeout in seconds (0: heartbeats off).
    public let heartbeatTimeoutSeconds: Int
    /// Heartbeat checks per timeout period.
    public let heartbeatRate: Int
    /// First reconnection wait.
    public let retryInterval: Duration
    /// Added to the wait after each failed attempt.
    public let retryBackoff: Duration
    /// Longest wait between attempts.
    public let retryIntervalMax: Duration
    /// Wait before re-consuming after the broker cancelled a consumer.
    public let consumerCancelReconnectDelay: Duration
    /// How long to keep retrying a reply to a caller whose queue is missing.
    public let missingConsumerRetryTimeout: Duration
    /// Broker order on failover.
    public let failoverStrategy: FailoverStrategy
}

extension MessagingConfiguration {
    /// Builds the messaging settings, applying `transport_url` query parameters to `resolved` first (they
    /// override `[oslo_messaging_rabbit]` options of the same name, as in oslo.messaging).
    ///
    /// - Throws: ``ConfigError`` at the line of `transport_url` (or of the legacy option) for a URL or host list
    ///   that cannot be used, a query parameter that is no option, or a login method TLS settings cannot serve.
    init(resolved: inout ResolvedOptions) throws(ConfigError) {
        typealias T = OptionTable
        let urlText = resolved[T.transportURL].map { String(Substring($0).trimmingWhitespace()) } ?? ""
        var brokers: [BrokerAddress]
        var virtualHost: String
        if !urlText.isEmpty {
            let urlSource = resolved.source(of: T.transportURL)
            let url: TransportURL
            do {
                url = try TransportURL.parse(urlText)
            } catch {
                throw resolved.error(
                    T.transportURL, error.message.hasPrefix("scheme") ? .unsupportedSetting : .invalidValue,
                    "= \"\(TransportURL.masked(urlText))\": \(error.message)")
            }
            for (name, value) in url.query {
                guard let definition = OptionTable.definition(for: OptionName(T.rabbitSection, name)) else {
                    throw resolved.error(
                        T.transportURL, .invalidValue,
                        "query parameter \"\(name)\" is no [\(T.rabbitSection)] option (oslo.messaging "
                            + "lets only those override the configuration)")
                }
                let source = ValueSource.transportURLQuery(
                    path: urlSource.location?.path ?? "", line: urlSource.location?.line ?? 0)
                let parsed = try ConfigResolver.parse(value, of: definition, source: source)
                resolved.override(definition.name, text: value, parsed: parsed, source: source)
            }
            brokers = url.hosts.map { host in
                BrokerAddress(
                    host: host.hostname, port: host.port ?? 5672,
                    username: host.username.flatMap { $0.isEmpty ? nil : $0 } ?? "guest",
                    password: host.password.flatMap { $0.revealed.isEmpty ? nil : $0 } ?? Secret("guest"))
            }
            virtualHost = url.virtualHost ?? resolved[T.rabbitVirtualHost]
            self.source = .transportURL
        } else {
            let backend = resolved[T.rpcBackend]
            guard ["rabbit", "kombu"].contains(backend) || backend.hasSuffix("impl_kombu") else {
                throw resolved.error(
                    T.rpcBackend, .unsupportedSetting,
                    "= \"\(backend)\": this agent speaks only to RabbitMQ; use rabbit (or set transport_url)")
            }
            let username = resolved[T.rabbitUserID]
            let password = resolved[T.rabbitPassword]
            let defaultPort = resolved[T.rabbitPort]
            brokers = []
            for (position, entry) in resolved[T.rabbitHosts].enumerated() {
                do {
                    let (host, port) = try HostPort.parse(Substring(entry), what: "entry \(position + 1)")
                    brokers.append(
                        BrokerAddress(
                            host: host, port: port ?? defaultPort, username: username.isEmpty ? "guest" : username,
                            password: Secret(password.isEmpty ? "guest" : password)))
                } catch {
                    throw resolved.error(T.rabbitHosts, .invalidValue, "= \"\(entry)\": \(error.message)")
                }
            }
            guard !brokers.isEmpty else {
                throw resolved.error(T.rabbitHosts, .invalidValue, "is empty; expected host:port entries")
            }
            virtualHost = resolved[T.rabbitVirtualHost]
            self.source = .legacyOptions
        }
        if virtualHost.isEmpty { virtualHost = "/" }
        self.brokers = brokers
        self.virtualHost = virtualHost

        let loginMethod = LoginMethod(rawValue: resolved[T.rabbitLoginMethod]) ?? .amqplain
        if resolved[T.ssl] {
            let version = resolved[T.sslVersion]
            tls = TLSOptions(
                caFile: resolved[T.sslCAFile].nonEmpty, certificateFile: resolved[T.sslCertFile].nonEmpty,
                keyFile: resolved[T.sslKeyFile].nonEmpty,
                minimumVersion: TLSOptions.Version(rawValue: version),
                verifyHostname: resolved[T.sslVerifyHostname])
        } else {
            tls = nil
        }
        if loginMethod == .external, tls?.certificateFile == nil {
            throw resolved.error(
                T.rabbitLoginMethod, .unsupportedSetting,
                "= \"EXTERNAL\" needs a TLS client certificate: set ssl = true and ssl_cert_file")
        }
        self.loginMethod = loginMethod
        controlExchange = resolved[T.controlExchange]
        rpcResponseTimeout = .seconds(resolved[T.rpcResponseTimeout])
        maxMessageSize = resolved[T.rpcMaxMessageSize]
        queues = QueueOptions(
            durable: resolved[T.amqpDurableQueues], autoDelete: resolved[T.amqpAutoDelete],
            haQueues: resolved[T.rabbitHAQueues], quorum: resolved[T.rabbitQuorumQueue],
            transientQuorum: resolved[T.rabbitTransientQuorumQueue],
            quorumDeliveryLimit: resolved[T.rabbitQuorumDeliveryLimit],
            quorumMaxMemoryLength: resolved[T.rabbitQuorumMaxMemoryLength],
            quorumMaxMemoryBytes: resolved[T.rabbitQuorumMaxMemoryBytes],
            transientQueuesTTLSeconds: resolved[T.rabbitTransientQueuesTTL],
            cancelOnFailover: resolved[T.enableCancelOnFailover])
        prefetchCount = resolved[T.rabbitQosPrefetchCount]
        heartbeatTimeoutSeconds = resolved[T.heartbeatTimeoutThreshold]
        heartbeatRate = resolved[T.heartbeatRate]
        retryInterval = .seconds(resolved[T.rabbitRetryInterval])
        retryBackoff = .seconds(resolved[T.rabbitRetryBackoff])
        retryIntervalMax = .seconds(resolved[T.rabbitIntervalMax])
        consumerCancelReconnectDelay = .milliseconds(Int((resolved[T.kombuReconnectDelay] * 1000).rounded()))
        missingConsumerRetryTimeout = .seconds(resolved[T.kombuMissingConsumerRetryTimeout])
        failoverStrategy = FailoverStrategy(rawValue: resolved[T.kombuFailoverStrategy]) ?? .roundRobin
    }
}

extension String {
    /// `nil` for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
