import AgentSupport
import Foundation
import Testing
import TestSupport

@testable import TroveConfig

/// `check-config`'s report and the README's option table.
@Suite struct ReportTests {
    private let secrets = ["tr0ve-Pa55", "sEcond-pw", "aes-K3y-0001", "rpc-K3y-0002", "legacy-Pw-0003"]

    private func configWithSecrets() throws -> AgentConfiguration {
        try load(
            (name: "guest_info.conf", contents: "[DEFAULT]\nguest_id = 42\ninstance_rpc_encr_key = rpc-K3y-0002\n"),
            (
                name: "trove-guestagent.conf",
                contents: """
                [DEFAULT]
                transport_url = rabbit://trove:tr0ve-Pa55@10.0.0.1:5672,other:sEcond%2Dpw@10.0.0.2/trove
                backup_aes_cbc_key = "aes-K3y-0001"
                [oslo_messaging_rabbit]
                rabbit_password = legacy-Pw-0003
                """
            ))
    }

    @Test func everyOptionAppearsWithItsValueAndSource() throws {
        let report = try configWithSecrets().effectiveReport()
        for definition in OptionTable.all {
            #expect(report.contains("\n\(definition.name.name) "), "\(definition.name) is missing from the report")
        }
        #expect(report.contains("guest_info.conf:2"))
        #expect(report.contains("trove-guestagent.conf:2"))
        #expect(
            report.range(of: #"conductor_queue\s+= trove-conductor\s+# default"#, options: .regularExpression) != nil)
        #expect(report.contains("backup directory = /home/db2inst1/db2inst1/backup"))
        #expect(report.contains("broker = amqp://trove:***@10.0.0.1:5672 (no TLS)"))
        #expect(report.contains("rpc queue = guestagent.42 on exchange openstack"))
        #expect(report.contains("trove-guestagent.conf:5 (not used: transport_url is set)"), "rabbit_password")
    }

    @Test func noSecretAppearsInTheReportInAnyForm() throws {
        let report = try configWithSecrets().effectiveReport()
        for secret in secrets {
            #expect(!report.contains(secret), "\(secret) leaked")
        }
        #expect(!report.contains("sEcond%2Dpw"))
        #expect(report.contains("= rabbit://trove:***@10.0.0.1:5672,other:***@10.0.0.2/trove"))
        #expect(report.contains("backup_aes_cbc_key"))
        #expect(report.contains("instance_rpc_encr_key"))
    }

    @Test func noSecretAppearsInTheLogOrInTypedValuesDescriptions() throws {
        let recorder = LogRecorder()
        let config = try load(
            (name: "guest_info.conf", contents: "[DEFAULT]\nguest_id = 42\ninstance_rpc_encr_key = rpc-K3y-0002\n"),
            (
                name: "a.conf",
                contents: "[DEFAULT]\ntransport_url = rabbit://trove:tr0ve-Pa55@h/\nbackup_aes_cbc_key = aes-K3y-0001\n"
            ),
            logger: recorder.logger())
        var dumped = ""
        dump(config, to: &dumped)
        let described = "\(config) \(String(reflecting: config)) \(dumped) \(config.messaging) \(config.backup)"
        for secret in secrets {
            #expect(!recorder.allText.contains(secret))
            #expect(!described.contains(secret))
        }
    }

    @Test func markdownReferenceListsEveryOptionOnce() {
        let markdown = OptionTable.markdownReference()
        let rows = markdown.split(separator: "\n").dropFirst(2)
        #expect(rows.count == OptionTable.all.count)
        for definition in OptionTable.all {
            #expect(markdown.contains("| `[\(definition.name.section)]` | `\(definition.name.name)` |"))
        }
        #expect(markdown.contains("| `[DEFAULT]` | `guest_id` | string | (unset) | Trove |"))
        #expect(markdown.contains("| `[db2]` | `instance_owner` | string | `db2inst1` | agent |"))
        #expect(markdown.contains("Also read as `[DEFAULT] rabbit_host` (deprecated)."))
        #expect(
            markdown.contains("| `[oslo_messaging_rabbit]` | `rabbit_hosts` | list | `$rabbit_host:$rabbit_port` |"))
        for row in rows { #expect(row.components(separatedBy: " | ").count == 6, "\(row)") }
    }
}
