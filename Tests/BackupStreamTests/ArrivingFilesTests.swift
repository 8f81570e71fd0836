import AgentSupport
import BackupStream
import Foundation
import Synchronization
import TestSupport
import Testing

/// Packing a directory while its files arrive (a backup streaming each database image as soon as it is written).
@Suite struct ArrivingFilesTests {
    @Test func filesAnnouncedOneByOneAreArchivedInOrderAndRestore() async throws {
        try await withTemporaryDirectory { base in
            let directory = base.appendingPathComponent("backup")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let archived = Mutex<[String]>([])
            let files = ArrivingFiles { name in archived.withLock { $0.append(name) } }
            let sink = CollectingSink()
            let packer = BackupPacker(options: try StreamTesting.packOptions(), logger: StreamTesting.logger)
            let packing = Task { try await packer.pack(directory: directory, arriving: files, into: sink) }

            let names = ["SAMPLE.0.db2inst1.DBPART000.20260101000000.001", "ORDERS.0.db2inst1.DBPART000.20260101000001.001"]
            for (index, name) in names.enumerated() {
                try Fixtures.databaseLike(count: 300_000 + index).write(to: directory.appendingPathComponent(name))
                files.add(name)
                // Each file is in the stream before the next one exists: the packer follows the producer.
                try await waitFor("file \(index) is archived") { archived.withLock { $0.count } == index + 1 }
            }
            files.finish()
            let summary = try await packing.value
            #expect(summary.files == 2)
            #expect(sink.finished)
            #expect(archived.withLock { $0 } == names)

            let stream = base.appendingPathComponent("stream")
            try Data(sink.bytes).write(to: stream)
            let listing = base.appendingPathComponent("listing")
            try Shell.run(
                "openssl enc -d -aes-256-cbc -md sha256 \(StreamTesting.opensslPass()) | gzip -d | tar tPf -",
                input: stream, output: listing)
            let members = try String(contentsOf: listing, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(members == [directory.path + "/"] + names.map { directory.path + "/" + $0 })

            let target = base.appendingPathComponent("restored")
            try await StreamTesting.unpack(stream, into: target, options: try StreamTesting.unpackOptions())
            for name in names {
                #expect(
                    try Data(contentsOf: target.appendingPathComponent(name))
                        == Data(contentsOf: directory.appendingPathComponent(name)))
            }
        }
    }

    @Test func aFailedProducerFailsThePackWithoutFinishingTheSink() async throws {
        struct BackupFailed: Error {}
        try await withTemporaryDirectory { base in
            let files = ArrivingFiles()
            let sink = CollectingSink()
            let packer = BackupPacker(options: try StreamTesting.packOptions(), logger: StreamTesting.logger)
            let packing = Task { try await packer.pack(directory: base, arriving: files, into: sink) }
            files.fail(BackupFailed())
            await #expect(throws: BackupFailed.self) { try await packing.value }
            #expect(!sink.finished)
        }
    }

    @Test func aNameThatIsNotAPlainFileNameIsRefused() async throws {
        try await withTemporaryDirectory { base in
            let files = ArrivingFiles()
            files.add("../escape")
            files.finish()
            let packer = BackupPacker(options: try StreamTesting.packOptions(), logger: StreamTesting.logger)
            await #expect(throws: BackupStreamError.self) {
                try await packer.pack(directory: base, arriving: files, into: CollectingSink())
            }
        }
    }
}
