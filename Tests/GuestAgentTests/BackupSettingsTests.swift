import AgentSupport
import BackupStream
import Foundation
import GuestAgent
import Logging
import ObjectStorage
import OsloRPC
import Testing
import TroveConfig

/// Trove's options mapped onto the backup settings, and the store built from a request's context as Trove does.
@Suite struct BackupSettingsTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(_ text: String) throws -> AgentConfiguration {
        try AgentConfiguration.parse(
            texts: [("trove-guestagent.conf", "[DEFAULT]\nguest_id = g1\ntransport_url = rabbit://h:5672/\n" + text)],
            logger: logger)
    }

    @Test func trovesOptionsMapOntoTheSettings() throws {
        let settings = BackupSettings(
            try Self.configuration(
                """
                backup_aes_cbc_key = s3cret
                backup_segment_max_size = 1048576
                backup_chunk_size = 32768
                backup_swift_container = my_backups
                verify_swift_checksum_on_restore = False
                swift_url = http://swift:8080/v1/AUTH_
                state_dir = /var/lib/agent
                [db2]
                backup_strategy = DB2OnlineBackup
                mount_point = /data/db2
                verify_backup_images = False
                """))
        #expect(settings.strategy == .online)
        #expect(settings.backupDirectory == "/data/db2/backup")
        #expect(settings.restoreLogDirectory == "/data/db2/RestoreLogs")
        #expect(!settings.verifyImages)
        #expect(settings.objectName(backupID: "b1") == "b1.gz.enc")
        #expect(settings.pack.compress && settings.pack.encryptionKey?.revealed == "s3cret")
        #expect(settings.unpack.compressed && settings.unpack.decryptionKey?.revealed == "s3cret")
        #expect(settings.storage.strategy == .swift)
        #expect(settings.storage.swiftURL == "http://swift:8080/v1/AUTH_")
        #expect(settings.storage.configuration.container == "my_backups")
        #expect(settings.storage.configuration.segmentSize == 1_048_576)
        #expect(settings.storage.configuration.chunkSize == 32768)
        #expect(!settings.storage.configuration.verifyChecksumOnLoad)
        #expect(settings.journalDirectory == "/var/lib/agent/operations")
    }

    @Test func trovesDefaultsAreOfflineSwiftGzipAndEncryption() throws {
        let settings = BackupSettings(try Self.configuration(""))
        #expect(settings.strategy == .offline, "Trove's [db2] backup_strategy default")
        #expect(settings.storage.strategy == .swift)
        #expect(settings.storage.configuration.container == "database_backups")
        #expect(settings.storage.configuration.segmentSize == 2_147_483_648)
        #expect(settings.objectName(backupID: "x") == "x.gz.enc")
        #expect(settings.verifyImages)
    }

    @Test func withoutEncryptionOrCompressionTheObjectIsNamedAsTroveNamesIt() throws {
        let settings = BackupSettings(
            try Self.configuration("backup_use_openssl_encryption = False\nbackup_use_gzip_compression = False\n"))
        #expect(settings.objectName(backupID: "x") == "x")
        #expect(settings.pack.encryptionKey == nil && !settings.pack.compress)
        #expect(settings.unpack.decryptionKey == nil && !settings.unpack.compressed)
    }

    @Test func swiftIsReachedWithTheContextsTokenAndCatalogOrSwiftURLAndTenant() throws {
        let catalog = StorageFactory(settings: BackupStorageSettings(strategy: .swift), logger: Self.logger)
        let context = RequestContext(values: [
            "auth_token": "tok", "tenant": "t1",
            "service_catalog": [
                ["type": "object-store", "endpoints": [["region": "RegionOne", "publicURL": "http://swift/v1/AUTH_t1"]]]
            ],
        ])
        let fromCatalog = try #require(try catalog.storage(for: context) as? SwiftStorage)
        #expect(fromCatalog.endpoint.storageURL == "http://swift/v1/AUTH_t1")
        #expect(fromCatalog.endpoint.token.revealed == "tok")

        let configured = StorageFactory(
            settings: BackupStorageSettings(strategy: .swift, swiftURL: "http://other:8080/v1/AUTH_"), logger: Self.logger)
        let fromURL = try #require(try configured.storage(for: context) as? SwiftStorage)
        #expect(fromURL.endpoint.storageURL == "http://other:8080/v1/AUTH_t1")

        #expect(throws: BackupOperationError.self) {
            try catalog.storage(for: RequestContext(values: ["tenant": "t1"]))
        }
        do {
            _ = try catalog.storage(for: RequestContext(values: ["auth_token": "tok", "service_catalog": []]))
            Issue.record("a catalog without Swift was accepted")
        } catch {
            #expect("\(error)".contains("cannot reach the backup store"))
            #expect(!"\(error)".contains("tok"))
        }
    }
}
