/// `[oslo_messaging_rabbit]`: the broker, its queues and reconnection.
extension OptionTable {
    // MARK: - [oslo_messaging_rabbit]

    static let rabbitHost = Option.string(
        R, "rabbit_host", default: "localhost", origin: .osloMessaging,
        help: "Legacy (before Stein): broker host, when `transport_url` is unset.",
        deprecated: [inDefault("rabbit_host")])
    static let rabbitPort = Option.integer(
        R, "rabbit_port", default: 5672, min: 1, max: 65535, origin: .osloMessaging,
        help: "Legacy: broker port, and the port of `rabbit_hosts` entries without one.",
        deprecated: [inDefault("rabbit_port")])
    static let rabbitHosts = Option.list(
        R, "rabbit_hosts", default: [], defaultTemplate: "$rabbit_host:$rabbit_port", origin: .osloMessaging,
        help: "Legacy: brokers as `host:port` (IPv6 as `[::1]:5672`), tried in turn.",
        deprecated: [inDefault("rabbit_hosts")])
    static let rabbitUserID = Option.string(
        R, "rabbit_userid", default: "guest", origin: .osloMessaging, help: "Legacy: broker user.",
        deprecated: [inDefault("rabbit_userid")])
    static let rabbitPassword = Option.string(
        R, "rabbit_password", default: "guest", origin: .osloMessaging, help: "Legacy: broker password.",
        secret: true, deprecated: [inDefault("rabbit_password")])
    static let rabbitVirtualHost = Option.string(
        R, "rabbit_virtual_host", default: "/", origin: .osloMessaging,
        help: "Legacy: broker virtual host (also used when `transport_url` has no path).",
        deprecated: [inDefault("rabbit_virtual_host")])
    static let ssl = Option.boolean(
        R, "ssl", default: false, origin: .osloMessaging, help: "Connect to the broker over TLS.",
        deprecated: [inRabbit("rabbit_use_ssl"), inDefault("rabbit_use_ssl")])
    static let sslVersion = Option.string(
        R, "ssl_version", default: "", choices: ["", "TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3", "SSLv23"],
        origin: .osloMessaging,
        help: "Lowest TLS version accepted; empty or `SSLv23` negotiates the best both sides support.",
        deprecated: [inRabbit("kombu_ssl_version"), inDefault("kombu_ssl_version")])
    static let sslKeyFile = Option.string(
        R, "ssl_key_file", default: "", origin: .osloMessaging, help: "Client private key (PEM) for TLS.",
        deprecated: [inRabbit("kombu_ssl_keyfile"), inDefault("kombu_ssl_keyfile")])
    static let sslCertFile = Option.string(
        R, "ssl_cert_file", default: "", origin: .osloMessaging, help: "Client certificate (PEM) for TLS.",
        deprecated: [inRabbit("kombu_ssl_certfile"), inDefault("kombu_ssl_certfile")])
    static let sslCAFile = Option.string(
        R, "ssl_ca_file", default: "", origin: .osloMessaging,
        help: "CA bundle (PEM) that verifies the broker's certificate; empty uses the system's trust store.",
        deprecated: [inRabbit("kombu_ssl_ca_certs"), inDefault("kombu_ssl_ca_certs")])
    static let sslVerifyHostname = Option.boolean(
        R, "ssl_verify_hostname", default: true, origin: .agent,
        help: "Check that the broker's certificate names the host connected to. oslo.messaging's "
            + "`ssl_enforce_hostname_verification` is read as this option.",
        deprecated: [inRabbit("ssl_enforce_hostname_verification")])
    static let rabbitLoginMethod = Option.string(
        R, "rabbit_login_method", default: "AMQPLAIN", choices: ["PLAIN", "AMQPLAIN", "EXTERNAL"],
        origin: .osloMessaging,
        help: "SASL mechanism of the broker login. `AMQPLAIN` and `PLAIN` send the same user and password; "
            + "`EXTERNAL` uses the TLS client certificate.", deprecated: [inDefault("rabbit_login_method")])
    static let rabbitRetryInterval = Option.integer(
        R, "rabbit_retry_interval", default: 1, min: 1, origin: .osloMessaging,
        help: "Seconds before the first reconnection attempt.")
    static let rabbitRetryBackoff = Option.integer(
        R, "rabbit_retry_backoff", default: 2, min: 0, origin: .osloMessaging,
        help: "Accepted for compatibility: the agent doubles the wait after each failed attempt (with jitter), from rabbit_retry_interval up to rabbit_interval_max.",
        deprecated: [inDefault("rabbit_retry_backoff")])
    static let rabbitIntervalMax = Option.integer(
        R, "rabbit_interval_max", default: 30, min: 1, origin: .osloMessaging,
        help: "Longest wait in seconds between reconnection attempts.")
    static let kombuReconnectDelay = Option.float(
        R, "kombu_reconnect_delay", default: 1.0, min: 0, max: 4.5, origin: .osloMessaging,
        help: "Seconds to wait before re-consuming after the broker cancelled a consumer.",
        deprecated: [inDefault("kombu_reconnect_delay")])
    static let kombuFailoverStrategy = Option.string(
        R, "kombu_failover_strategy", default: "round-robin", choices: ["round-robin", "shuffle"],
        origin: .osloMessaging, help: "Order in which the next broker is tried after a connection is lost.")
    static let kombuMissingConsumerRetryTimeout = Option.integer(
        R, "kombu_missing_consumer_retry_timeout", default: 60, min: 0, origin: .osloMessaging,
        help: "Seconds to keep retrying a reply whose caller's queue is missing.",
        deprecated: [inRabbit("kombu_reconnect_timeout")])
    static let amqpDurableQueues = Option.boolean(
        R, "amqp_durable_queues", default: false, origin: .osloMessaging,
        help: "Declare durable exchanges and queues; must match the control plane or the broker refuses (406).",
        deprecated: [inDefault("amqp_durable_queues"), inDefault("rabbit_durable_queues")])
    static let amqpAutoDelete = Option.boolean(
        R, "amqp_auto_delete", default: false, origin: .osloMessaging,
        help: "Declare auto-delete exchanges and queues; must match the control plane.",
        deprecated: [inDefault("amqp_auto_delete")])
    static let rabbitHAQueues = Option.boolean(
        R, "rabbit_ha_queues", default: false, origin: .osloMessaging,
        help: "Declare queues with `x-ha-policy: all`; must match the control plane.",
        deprecated: [inDefault("rabbit_ha_queues")])
    static let rabbitQuorumQueue = Option.boolean(
        R, "rabbit_quorum_queue", default: false, origin: .osloMessaging,
        help: "Declare the RPC queues as quorum queues (`x-queue-type: quorum`, always durable); must match the "
            + "control plane.")
    static let rabbitTransientQuorumQueue = Option.boolean(
        R, "rabbit_transient_quorum_queue", default: false, origin: .osloMessaging,
        help: "Declare fanout (transient) queues as quorum queues; must match the control plane.")
    static let rabbitQuorumDeliveryLimit = Option.integer(
        R, "rabbit_quorum_delivery_limit", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-delivery-limit` (0: none).")
    static let rabbitQuorumMaxMemoryLength = Option.integer(
        R, "rabbit_quorum_max_memory_length", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-max-in-memory-length` (0: none).")
    static let rabbitQuorumMaxMemoryBytes = Option.integer(
        R, "rabbit_quorum_max_memory_bytes", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-max-in-memory-bytes` (0: none).")
    static let rabbitTransientQueuesTTL = Option.integer(
        R, "rabbit_transient_queues_ttl", default: 1800, min: 0, origin: .osloMessaging,
        help: "Seconds an unused fanout queue lives (`x-expires`; 0: for ever).")
    static let rabbitQosPrefetchCount = Option.integer(
        R, "rabbit_qos_prefetch_count", default: 0, min: 0, origin: .osloMessaging,
        help: "RPC deliveries per queue the broker may send before the agent has a free request slot for them "
            + "(`basic.qos`); the broker keeps the rest. oslo's 0 (unlimited) means the agent's bound of 64: the "
            + "agent never takes an unbounded flood into memory.")
    static let heartbeatTimeoutThreshold = Option.integer(
        R, "heartbeat_timeout_threshold", default: 60, min: 0, origin: .osloMessaging,
        help: "AMQP heartbeat timeout in seconds; the broker is considered gone after it (0: no heartbeats).")
    static let heartbeatRate = Option.integer(
        R, "heartbeat_rate", default: 3, min: 1, origin: .osloMessaging,
        help: "Heartbeat checks per timeout period (oslo.messaging's default was 2 before 14.5).")
    static let enableCancelOnFailover = Option.boolean(
        R, "enable_cancel_on_failover", default: false, origin: .osloMessaging,
        help: "Consume with `x-cancel-on-ha-failover`, so the broker cancels consumers of a failed-over queue.")
}
