import AgentSupport
import Foundation
import Logging
import TestSupport
import Testing

@testable import TroveConfig

/// Loading several files: override order, deprecated names, unknown keys, required options, bad values.
@Suite struct LoadingTests {
    @Test func defaultsAreTrovesWhenNothingIsSet() throws {
        let config = try load(guestInfo)
        #expect(config.guestID == "7c1f0e2a")
        #expect(config.datastoreManager == "db2")
        #expect(config.messaging.controlExchange == "openstack")
        #expect(config.conductorQueue == "trove-conductor")
        #expect(config.reportInterval == .seconds(30))
        #expect(config.db2.mountPoint == "/home/db2inst1/db2inst1")
        #expect(config.db2.backupDirectory == "/home/db2inst1/db2inst1/backup")
        #expect(config.db2.archiveLogDirectory == "/home/db2inst1/db2inst1/ArchiveLogs")
        #expect(config.db2.backupStrategy == .offline)
        #expect(config.db2.ignoreUsers == ["PUBLIC", "DB2INST1"])
        #expect(config.db2.stateChangeWaitTime == .seconds(600))
        #expect(config.storage.strategy == .swift)
        #expect(config.storage.container == "database_backups")
        #expect(config.storage.segmentMaxSize == 2_147_483_648)
        #expect(config.storage.regionName == "RegionOne")
        #expect(config.backup.objectNameSuffix == ".gz.enc")
        #expect(config.backup.encryptionKey.revealed == "default_aes_cbc_key")
        #expect(config.backup.encryptionDigest == .sha256)
        #expect(config.backup.compressionLevel == 6)
        #expect(config.volume.fileSystemType == "ext3")
        #expect(config.messaging.source == .legacyOptions)
        #expect(
            config.messaging.brokers == [
                BrokerAddress(host: "localhost", port: 5672, username: "guest", password: .init("guest"))
            ])
        #expect(config.messaging.maxMessageSize == 16 * 1024 * 1024)
        #expect(config.logging.effectiveLevel == .info)
        #expect(config.logging.logFilePath == nil)
        #expect(config.stateDirectory == "/var/lib/trove-db2-agent")
    }

    @Test func laterFilesOverrideEarlierOnesOptionByOption() throws {
        let first = (
            name: "first.conf",
            contents: "[DEFAULT]\nreport_interval = 10\nconductor_queue = q1\n[db2]\nmount_point = /one\n"
        )
        let second = (
            name: "second.conf", contents: "[DEFAULT]\nreport_interval = 20\n[DB2]\nbackup_strategy = DB2OnlineBackup\n"
        )
        let config = try load(guestInfo, first, second)
        #expect(config.reportInterval == .seconds(20))
        #expect(config.conductorQueue == "q1")
        #expect(config.db2.mountPoint == "/one")
        #expect(config.db2.backupStrategy == .online)
        let report = config.effectiveReport()
        #expect(report.contains("second.conf:2"))
        #expect(report.contains("first.conf:3"))
    }

    @Test func continuationLinesJoinWithNewlinesAndEndAtBlankLines() throws {
        let config = try loadWithGuestInfo(
            "[db2]\nignore_users = PUBLIC,\n  DB2INST1,\n  MONITOR\n\nmount_point = /data\n")
        #expect(config.db2.ignoreUsers == ["PUBLIC", "DB2INST1", "MONITOR"])
        #expect(config.db2.mountPoint == "/data")
    }

    @Test func deprecatedGroupDEFAULTIsReadForRabbitOptions() throws {
        let recorder = LogRecorder()
        let config = try loadWithGuestInfo(
            "[DEFAULT]\nrabbit_host = 10.0.0.1\nrabbit_password = s3cret\nrabbit_durable_queues = true\n",
            logger: recorder.logger())
        #expect(config.messaging.brokers.map(\.hostAndPort) == ["10.0.0.1:5672"])
        #expect(config.messaging.brokers.first?.password.revealed == "s3cret")
        #expect(config.messaging.queues.durable)
        let deprecations = recorder.records.filter { $0.message.contains("deprecated") }
        #expect(deprecations.contains { $0.metadata["config.written_as"] == "[DEFAULT] rabbit_host" })
        #expect(!recorder.allText.contains("s3cret"))
        #expect(config.effectiveReport().contains("(as [DEFAULT] rabbit_host, deprecated)"))
    }

    @Test func deprecatedNamesKombuSSLAndRabbitUseSSL() throws {
        let config = try loadWithGuestInfo(
            """
            [oslo_messaging_rabbit]
            rabbit_use_ssl = true
            kombu_ssl_ca_certs = /etc/ssl/ca.pem
            kombu_ssl_certfile = /etc/ssl/cert.pem
            kombu_ssl_keyfile = /etc/ssl/key.pem
            kombu_ssl_version = TLSv1_2
            """)
        let tls = try #require(config.messaging.tls)
        #expect(tls.caFile == "/etc/ssl/ca.pem")
        #expect(tls.certificateFile == "/etc/ssl/cert.pem")
        #expect(tls.keyFile == "/etc/ssl/key.pem")
        #expect(tls.minimumVersion == .tls1_2)
        #expect(tls.verifyHostname)
    }

    @Test func currentNameWinsInTheSameFileButANewerFileWinsOverAnOlderCurrentName() throws {
        let same = try loadWithGuestInfo("[DEFAULT]\nrabbit_port = 1111\n[oslo_messaging_rabbit]\nrabbit_port = 2222\n")
        #expect(same.messaging.brokers.first?.port == 2222)
        let older = (name: "old.conf", contents: "[oslo_messaging_rabbit]\nrabbit_port = 2222\n")
        let newer = (name: "new.conf", contents: "[DEFAULT]\nrabbit_port = 3333\n")
        #expect(try load(guestInfo, older, newer).messaging.brokers.first?.port == 3333)
    }

    @Test func unknownKeysAndSectionsAreIgnoredWithADebugLog() throws {
        let recorder = LogRecorder()
        let config = try loadWithGuestInfo(
            """
            [DEFAULT]
            root_grant = ALL
            log_config_append = /etc/trove/trove-logging-guestagent.conf
            [profiler]
            enabled = false
            [db2]
            no_such_option = 1
            """, logger: recorder.logger())
        #expect(config.guestID == "7c1f0e2a")
        let debug = recorder.records.filter { $0.level == .debug }
        #expect(
            debug.contains {
                $0.metadata["config.option"] == "[DEFAULT] root_grant"
                    && $0.metadata["config.location"] == "agent.conf:2"
            })
        #expect(debug.contains { $0.metadata["config.option"] == "[db2] no_such_option" })
        #expect(debug.contains { $0.metadata["config.section"] == "profiler" })
        #expect(!debug.contains { $0.metadata["config.option"]?.contains("log_config_append") == true })
    }

    @Test func missingGuestIDStopsStartUpNamingTheFilesRead() throws {
        let error = try #require(loadError(("trove-guestagent.conf", "[DEFAULT]\ncontrol_exchange = trove\n")))
        #expect(error.kind == .missingRequiredOption)
        #expect(error.description.contains("[DEFAULT] guest_id"))
        #expect(error.description.contains("guest_info.conf"))
        #expect(error.description.contains("trove-guestagent.conf"))
        let empty = try #require(loadError(("guest_info.conf", "[DEFAULT]\nguest_id =\n")))
        #expect(empty.description.hasPrefix("guest_info.conf:2: [DEFAULT] guest_id is empty"))
    }

    @Test(arguments: [
        (
            "[DEFAULT]\nreport_interval = soon\n", 2,
            "[DEFAULT] report_interval = \"soon\": not an integer; expected an integer (>= 1)"
        ),
        (
            "[DEFAULT]\n\nreport_interval = 0\n", 3,
            "[DEFAULT] report_interval = \"0\": out of range; expected an integer (>= 1)"
        ),
        ("[DEFAULT]\nreport_interval =\n", 2, "[DEFAULT] report_interval = \"\": empty; expected an integer (>= 1)"),
        (
            "[db2]\nvolume_support = maybe\n", 2,
            "[db2] volume_support = \"maybe\": not a boolean; expected true/false, yes/no, on/off or 1/0"
        ),
        (
            "[oslo_messaging_rabbit]\nkombu_reconnect_delay = 9\n", 2,
            "[oslo_messaging_rabbit] kombu_reconnect_delay = \"9\": out of range; expected a number (0–4.5)"
        ),
        (
            "[db2]\nbackup_strategy = DB2IncrementalBackup\n", 2,
            "[db2] backup_strategy = \"DB2IncrementalBackup\": not an allowed value; allowed: DB2OfflineBackup, DB2OnlineBackup"
        ),
        (
            "[db2]\nbackup_incremental_strategy = broken\n", 2,
            "[db2] backup_incremental_strategy = \"broken\": \"broken\" is not a key:value pair; expected key:value pairs separated by commas, e.g. k1:v1,k2:v2"
        ),
        (
            "[DEFAULT]\nrabbit_port = 70000\n", 2,
            "[DEFAULT] rabbit_port (old name of [oslo_messaging_rabbit] rabbit_port) = \"70000\": out of range; expected an integer (1–65535)"
        ),
        (
            "[DEFAULT]\nbackup_compression_level = 13\n", 2,
            "[DEFAULT] backup_compression_level = \"13\": out of range; expected an integer (1–12)"
        ),
        ("[db2]\nmount_point = relative/path\n", 2, "[db2] mount_point = \"relative/path\": expected an absolute path"),
        (
            "[DEFAULT]\ndatastore_manager = mysql\n", 2,
            "[DEFAULT] datastore_manager = \"mysql\": this agent serves only the db2 datastore"
        ),
        (
            "[DEFAULT]\nlog_level = loud\n", 2,
            "[DEFAULT] log_level = \"loud\": not an allowed value; allowed: trace, debug, info, notice, warning, error, critical"
        ),
    ])
    func everyKindOfBadValueIsAFileLineError(contents: String, line: Int, message: String) throws {
        let error = try #require(loadError(guestInfo, ("/etc/trove/conf.d/trove-guestagent.conf", contents)))
        #expect(error.description == "/etc/trove/conf.d/trove-guestagent.conf:\(line): \(message)")
    }

    @Test func aBadSecretValueIsReportedWithoutTheValue() throws {
        let error = try #require(
            loadError(guestInfo, ("a.conf", "[DEFAULT]\nbackup_use_openssl_encryption = yes\nbackup_aes_cbc_key =\n")))
        #expect(error.description.hasPrefix("a.conf:3: [DEFAULT] backup_aes_cbc_key is empty"))
        let substitution = try #require(
            loadError(guestInfo, ("a.conf", "[oslo_messaging_rabbit]\nrabbit_password = pa$Xq9z\n")))
        #expect(
            substitution.description.hasPrefix(
                "a.conf:2: [oslo_messaging_rabbit] rabbit_password (value not shown: secret)"))
        #expect(!substitution.description.contains("Xq9z"))
    }

    @Test func dollarReferencesAreSubstitutedAsOsloConfigDoes() throws {
        let config = try loadWithGuestInfo(
            """
            [DEFAULT]
            backup_local_path = ${db2.mount_point}/../backups
            backup_swift_container = cost$$center
            swift_service_type = \\$literal
            [db2]
            mount_point = /srv/db2
            instance_home = $mount_point/home
            [oslo_messaging_rabbit]
            rabbit_host = broker.example
            """)
        #expect(config.storage.localPath == "/srv/db2/../backups")
        #expect(config.storage.container == "cost$center")
        #expect(config.storage.swiftServiceType == "$literal")
        #expect(config.db2.instanceHome == "/srv/db2/home")
        #expect(
            config.messaging.brokers.map(\.hostAndPort) == ["broker.example:5672"],
            "rabbit_hosts defaults to $rabbit_host:$rabbit_port")
    }

    @Test func referencesToNoOptionAndCyclesAreErrors() throws {
        let unknown = try #require(loadError(guestInfo, ("a.conf", "[DEFAULT]\nconductor_queue = q-$nothing\n")))
        #expect(
            unknown.description.contains(
                "a.conf:2: [DEFAULT] conductor_queue: \"$nothing\" inside the value refers to no option"))
        let cycle = try #require(
            loadError(
                guestInfo,
                ("a.conf", "[DEFAULT]\nconductor_queue = $control_exchange\ncontrol_exchange = $conductor_queue\n")))
        #expect(cycle.message.contains("circular"))
        let known = try loadWithGuestInfo("[DEFAULT]\nstate_path = /var/lib/trove\nstate_dir = $state_path/agent\n")
        #expect(
            known.stateDirectory == "/var/lib/trove/agent", "a key Trove knows but the agent does not can be referenced"
        )
    }

    @Test func missingAndMalformedFilesStopStartUp() throws {
        do {
            _ = try AgentConfiguration.load(
                configFiles: ["/nonexistent/trove-guestagent.conf"], logger: LogRecorder().logger())
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unreadableFile)
            #expect(error.description == "/nonexistent/trove-guestagent.conf: configuration file not found")
        }
        let malformed = try #require(loadError(guestInfo, ("bad.conf", "[DEFAULT]\ncontrol_exchange trove\n")))
        #expect(malformed.kind == .malformedFile)
        #expect(malformed.description.hasPrefix("bad.conf:2: "))
    }

    @Test func filesAndConfigDirectoriesAreReadInOrder() async throws {
        try await withTemporaryDirectory { directory in
            let confD = directory.appendingPathComponent("conf.d")
            try FileManager.default.createDirectory(at: confD, withIntermediateDirectories: true)
            try "[DEFAULT]\nguest_id = from-dir\nreport_interval = 5\n".write(
                to: confD.appendingPathComponent("guest_info.conf"), atomically: true, encoding: .utf8)
            try "[DEFAULT]\nreport_interval = 7\n".write(
                to: confD.appendingPathComponent("trove-guestagent.conf"), atomically: true, encoding: .utf8)
            try "[DEFAULT]\nreport_interval = not read\n".write(
                to: confD.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
            let override = directory.appendingPathComponent("override.conf")
            try "[DEFAULT]\nconductor_queue = mine\n".write(to: override, atomically: true, encoding: .utf8)

            let config = try await AgentConfiguration.load(
                sources: [.directory(confD.path), .file(override.path)], logger: LogRecorder().logger())
            #expect(config.guestID == "from-dir")
            #expect(config.reportInterval == .seconds(7))
            #expect(config.conductorQueue == "mine")
            #expect(
                config.configFiles.map { ($0 as NSString).lastPathComponent } == [
                    "guest_info.conf", "trove-guestagent.conf", "override.conf",
                ])
        }
    }

    @Test func loggingOptionsFollowOsloLog() throws {
        let config = try loadWithGuestInfo(
            "[DEFAULT]\ndebug = True\nlog_dir = /var/log/trove/\nlog_file = logfile.txt\n")
        #expect(config.logging.effectiveLevel == .debug)
        #expect(config.logging.logFilePath == "/var/log/trove/logfile.txt")
        let overridden = try loadWithGuestInfo("[DEFAULT]\ndebug = true\nlog_level = warning\nlogdir = /var/log\n")
        #expect(overridden.logging.effectiveLevel == .warning)
        #expect(overridden.logging.logFilePath == "/var/log/trove-db2-agent.log")
    }

    @Test func regionNameIsReadUnderItsNewtonAndUssuriNames() throws {
        #expect(try loadWithGuestInfo("[DEFAULT]\nos_region_name = RegionTwo\n").storage.regionName == "RegionTwo")
        #expect(
            try loadWithGuestInfo("[service_credentials]\nregion_name = RegionThree\n").storage.regionName
                == "RegionThree")
    }

    @Test func trovesPublishedDefaultKeyIsWarnedAbout() throws {
        let recorder = LogRecorder()
        _ = try load(guestInfo, logger: recorder.logger())
        #expect(recorder.records.contains { $0.level == .warning && $0.message.contains("backup_aes_cbc_key") })
        let quiet = LogRecorder()
        _ = try loadWithGuestInfo("[DEFAULT]\nbackup_aes_cbc_key = a-real-key\n", logger: quiet.logger())
        #expect(!quiet.records.contains { $0.level == .warning })
        #expect(!quiet.allText.contains("a-real-key"))
    }
}
