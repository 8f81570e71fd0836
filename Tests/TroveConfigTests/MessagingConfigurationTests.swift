import AgentSupport
import Testing

@testable import TroveConfig

/// Broker settings: transport_url, its query overrides, the legacy rabbit_* options, TLS and queue flags.
@Suite struct MessagingConfigurationTests {
    @Test func transportURLGivesBrokersVirtualHostAndDefaults() throws {
        let config = try loadWithGuestInfo(
            "[DEFAULT]\ntransport_url = rabbit://trove:s3cret@10.0.0.1,[fd00::5]:5673/trove\ncontrol_exchange = trove\n"
        )
        let messaging = config.messaging
        #expect(messaging.source == .transportURL)
        #expect(messaging.brokers.map(\.hostAndPort) == ["10.0.0.1:5672", "[fd00::5]:5673"])
        #expect(messaging.brokers.map(\.username) == ["trove", "guest"])
        #expect(messaging.brokers.map(\.password.revealed) == ["s3cret", "guest"])
        #expect(messaging.virtualHost == "trove")
        #expect(messaging.controlExchange == "trove")
        #expect(messaging.tls == nil)
        #expect(messaging.loginMethod == .amqplain)
        #expect(messaging.heartbeatTimeoutSeconds == 60)
        #expect(
            messaging.queues
                == .init(
                    durable: false, autoDelete: false, haQueues: false, quorum: false, transientQuorum: false,
                    quorumDeliveryLimit: 0, quorumMaxMemoryLength: 0, quorumMaxMemoryBytes: 0,
                    transientQueuesTTLSeconds: 1800, cancelOnFailover: false))
    }

    @Test func emptyVirtualHostIsTheDefaultAndNoPathFallsBackToRabbitVirtualHost() throws {
        #expect(try loadWithGuestInfo("[DEFAULT]\ntransport_url = rabbit://h/\n").messaging.virtualHost == "/")
        let noPath = try loadWithGuestInfo(
            "[DEFAULT]\ntransport_url = rabbit://h\n[oslo_messaging_rabbit]\nrabbit_virtual_host = legacy\n")
        #expect(noPath.messaging.virtualHost == "legacy", "oslo.messaging of Newton reads rabbit_virtual_host then")
    }

    @Test func queryParametersOverrideRabbitOptionsAndShowInTheReport() throws {
        let config = try loadWithGuestInfo(
            """
            [DEFAULT]
            transport_url = rabbit://u:p@broker.example:5671/?ssl=1&heartbeat_timeout_threshold=20
            [oslo_messaging_rabbit]
            ssl = false
            heartbeat_timeout_threshold = 90
            ssl_ca_file = /etc/ssl/ca.pem
            """)
        #expect(config.messaging.tls?.caFile == "/etc/ssl/ca.pem")
        #expect(config.messaging.heartbeatTimeoutSeconds == 20)
        #expect(config.effectiveReport().contains("agent.conf:2 (transport_url query)"))
    }

    @Test func badQueryParametersAreErrorsAtTheTransportURLLine() throws {
        let unknown = try #require(
            loadError(guestInfo, ("a.conf", "[DEFAULT]\n\ntransport_url = rabbit://u:pw@h/?sll=1\n")))
        #expect(unknown.description.hasPrefix("a.conf:3: [DEFAULT] transport_url query parameter \"sll\" is no"))
        let badValue = try #require(
            loadError(guestInfo, ("a.conf", "[DEFAULT]\ntransport_url = rabbit://u:pw@h/?ssl=perhaps\n")))
        #expect(badValue.description.contains("a.conf:2: [oslo_messaging_rabbit] ssl = \"perhaps\": not a boolean"))
    }

    @Test func badTransportURLsNameTheLineAndNeverThePassword() throws {
        let scheme = try #require(
            loadError(guestInfo, ("a.conf", "[DEFAULT]\ntransport_url = kafka://u:hunter2@h:9092/\n")))
        #expect(scheme.kind == .unsupportedSetting)
        #expect(
            scheme.description
                == "a.conf:2: [DEFAULT] transport_url = \"kafka://u:***@h:9092/\": scheme \"kafka\" is not supported; this agent speaks AMQP 0-9-1 to RabbitMQ: use rabbit:// (or amqp://)"
        )
        let host = try #require(loadError(guestInfo, ("a.conf", "[DEFAULT]\ntransport_url = rabbit://u:hunter2@/\n")))
        #expect(
            host.description.hasPrefix(
                "a.conf:2: [DEFAULT] transport_url = \"rabbit://u:***@/\": host 1: the host name is missing"))
        for error in [scheme, host] { #expect(!error.description.contains("hunter2")) }
    }

    @Test func legacyRabbitOptionsWhenThereIsNoTransportURL() throws {
        let config = try loadWithGuestInfo(
            """
            [oslo_messaging_rabbit]
            rabbit_hosts = 10.0.0.1, 10.0.0.2:5673, [::1]
            rabbit_port = 5674
            rabbit_userid = trove
            rabbit_password = f7999d1955c5014aa32c
            rabbit_virtual_host = /trove
            rabbit_use_ssl = true
            """)
        let messaging = config.messaging
        #expect(messaging.source == .legacyOptions)
        #expect(messaging.brokers.map(\.hostAndPort) == ["10.0.0.1:5674", "10.0.0.2:5673", "[::1]:5674"])
        #expect(
            messaging.brokers.allSatisfy { $0.username == "trove" && $0.password.revealed == "f7999d1955c5014aa32c" })
        #expect(messaging.virtualHost == "/trove")
        #expect(messaging.tls != nil)
    }

    @Test func trovesNewtonSampleRabbitHostAndPassword() throws {
        let config = try loadWithGuestInfo(
            "[oslo_messaging_rabbit]\nrabbit_host=10.0.0.1\nrabbit_password=f7999d1955c5014aa32c\n")
        #expect(
            config.messaging.brokers == [
                BrokerAddress(host: "10.0.0.1", port: 5672, username: "guest", password: .init("f7999d1955c5014aa32c"))
            ])
    }

    @Test func legacyErrors() throws {
        let host = try #require(loadError(guestInfo, ("a.conf", "[oslo_messaging_rabbit]\nrabbit_hosts = h1, :5672\n")))
        #expect(
            host.description
                == "a.conf:2: [oslo_messaging_rabbit] rabbit_hosts = \":5672\": entry 2: the host name is missing")
        let backend = try #require(loadError(guestInfo, ("a.conf", "[DEFAULT]\nrpc_backend = zmq\n")))
        #expect(backend.kind == .unsupportedSetting)
        #expect(backend.description.hasPrefix("a.conf:2: [DEFAULT] rpc_backend = \"zmq\""))
        #expect(
            try loadWithGuestInfo("[DEFAULT]\nrpc_backend = trove.openstack.common.rpc.impl_kombu\n").messaging.brokers
                .count == 1)
    }

    @Test func tlsSettings() throws {
        let config = try loadWithGuestInfo(
            """
            [oslo_messaging_rabbit]
            ssl = on
            ssl_version = tlsv1_2
            ssl_cert_file = /etc/ssl/client.pem
            ssl_key_file = /etc/ssl/client.key
            ssl_enforce_hostname_verification = false
            rabbit_login_method = EXTERNAL
            """)
        let tls = try #require(config.messaging.tls)
        #expect(tls.minimumVersion == .tls1_2)
        #expect(tls.caFile == nil)
        #expect(tls.certificateFile == "/etc/ssl/client.pem")
        #expect(!tls.verifyHostname)
        #expect(config.messaging.loginMethod == .external)
        let external = try #require(
            loadError(guestInfo, ("a.conf", "[oslo_messaging_rabbit]\nrabbit_login_method = EXTERNAL\n")))
        #expect(
            external.description.hasPrefix(
                "a.conf:2: [oslo_messaging_rabbit] rabbit_login_method = \"EXTERNAL\" needs a TLS client certificate"))
        let sslv3 = try #require(loadError(guestInfo, ("a.conf", "[oslo_messaging_rabbit]\nssl_version = SSLv3\n")))
        #expect(sslv3.message.contains("allowed: \"\" (empty), TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, SSLv23"))
    }

    @Test func queueFlagsThatMustMatchTheControlPlane() throws {
        let config = try loadWithGuestInfo(
            """
            [DEFAULT]
            amqp_auto_delete = true
            rabbit_ha_queues = yes
            [oslo_messaging_rabbit]
            amqp_durable_queues = 1
            rabbit_quorum_queue = true
            rabbit_quorum_delivery_limit = 5
            rabbit_transient_queues_ttl = 0
            enable_cancel_on_failover = true
            rabbit_qos_prefetch_count = 10
            kombu_reconnect_delay = 0.5
            kombu_failover_strategy = shuffle
            """)
        let messaging = config.messaging
        #expect(messaging.queues.autoDelete && messaging.queues.haQueues && messaging.queues.durable)
        #expect(messaging.queues.quorum && messaging.queues.quorumDeliveryLimit == 5)
        #expect(messaging.queues.transientQueuesTTLSeconds == 0)
        #expect(messaging.queues.cancelOnFailover)
        #expect(messaging.prefetchCount == 10)
        #expect(messaging.consumerCancelReconnectDelay == .milliseconds(500))
        #expect(messaging.failoverStrategy == .shuffle)
    }
}
