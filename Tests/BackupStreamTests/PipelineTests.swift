import AgentSupport
import BackupStream
import Compression
import Foundation
import Synchronization
import TestSupport
import Testing

/// The pipeline as the agent wires it: a failing sink or source stops everything promptly, cancellation works,
/// and a pack streamed straight into an unpack through a bounded pipe restores the tree.
@Suite struct PipelineTests {
    @Test func failingSinkStopsThePack() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"))
            await #expect(throws: FailingSink.Broken.self) {
                try await BackupPacker(options: StreamTesting.packOptions(), logger: StreamTesting.logger)
                    .pack(directory: source, into: FailingSink(failAfter: 2))
            }
        }
    }

    @Test func failingSourceStopsTheUnpackAndLeavesNoPartialFile() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"))
            let stream = base.appendingPathComponent("stream")
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions())
            let target = base.appendingPathComponent("target")
            await #expect(throws: FailingSource.Broken.self) {
                try await BackupUnpacker(options: StreamTesting.unpackOptions(), logger: StreamTesting.logger).unpack(
                    from: FailingSource(Array(try Data(contentsOf: stream)), chunksBeforeFailure: 20), into: target)
            }
            let restored = target.appendingPathComponent("large.db")
            if FileManager.default.fileExists(atPath: restored.path) {
                #expect(try Data(contentsOf: restored) == Data(contentsOf: source.appendingPathComponent("large.db")))
            }
        }
    }

    @Test func cancellationStopsThePack() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 8 << 20)
            let sink = GatedSink()
            let task = Task {
                try await BackupPacker(options: StreamTesting.packOptions(), logger: StreamTesting.logger)
                    .pack(directory: source, into: sink)
            }
            await sink.firstWrite()
            task.cancel()
            sink.open()
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func cancellationStopsTheUnpack() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 4 << 20)
            let stream = base.appendingPathComponent("stream")
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions())
            let pipe = BoundedChunkPipe(capacity: 2)
            let bytes = [UInt8](try Data(contentsOf: stream))
            try pipe.write(Array(bytes.prefix(bytes.count / 2)))  // half the stream, then nothing more for now
            let target = base.appendingPathComponent("target")
            let task = Task {
                try await BackupUnpacker(options: StreamTesting.unpackOptions(), logger: StreamTesting.logger)
                    .unpack(from: pipe, into: target)
            }
            task.cancel()
            // The reader may be waiting on the source: the owner of the source fails it too, as the agent will.
            pipe.fail(CancellationError())
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func progressIsReportedUpToTheSummary() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"))
            let reports = Mutex<[PackProgress]>([])
            let summary = try await BackupPacker(options: StreamTesting.packOptions(), logger: StreamTesting.logger)
                .pack(directory: source, into: CollectingSink()) { progress in reports.withLock { $0.append(progress) } }
            let seen = reports.withLock { $0 }
            #expect(seen.count > 3)
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.archiveBytes <= $1.archiveBytes })
            #expect(seen.last?.archiveBytes == summary.archiveBytes)
            #expect(summary.outputBytes - (seen.last?.outputBytes ?? 0) <= 16, "only the final padded block follows")
        }
    }

    /// What the agent does: pack into a bounded pipe that an upload (here: our unpacker) drains.
    @Test func packStreamsIntoUnpackThroughABoundedPipe() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 6 << 20)
            let pipe = BoundedChunkPipe(capacity: 4)
            let target = base.appendingPathComponent("target")
            async let packed = BackupPacker(options: StreamTesting.packOptions(), logger: StreamTesting.logger)
                .pack(directory: source, into: pipe)
            async let unpacked = BackupUnpacker(options: StreamTesting.unpackOptions(), logger: StreamTesting.logger)
                .unpack(from: pipe, into: target)
            let (packSummary, unpackSummary) = try await (packed, unpacked)
            #expect(packSummary.outputBytes == unpackSummary.inputBytes)
            #expect(packSummary.archiveBytes == unpackSummary.archiveBytes)
            try expectSameTree(target, as: source, nanoseconds: true)
        }
    }

    /// A stream that mixes our sized members with a member from plain `gzip` decodes in order.
    @Test func mixedGzipMembersDecodeInOrder() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 1 << 20)
            let tarFile = base.appendingPathComponent("plain.tar")
            try await StreamTesting.pack(source, to: tarFile, options: StreamTesting.packOptions(compress: false, encrypt: false))
            let tar = [UInt8](try Data(contentsOf: tarFile))
            let third = tar.count / 3
            let compressor = try GzipBlockCompressor(level: 6)
            let middleFile = base.appendingPathComponent("middle")
            try Data(tar[third..<2 * third]).write(to: middleFile)
            let middleGzip = base.appendingPathComponent("middle.gz")
            try Shell.run("gzip -c", input: middleFile, output: middleGzip)
            var stream = tar[..<third].withUnsafeBytes { compressor.compressMembers($0) }
            stream += [UInt8](try Data(contentsOf: middleGzip))
            stream += tar[(2 * third)...].withUnsafeBytes { compressor.compressMembers($0) }
            let target = base.appendingPathComponent("target")
            let summary = try await BackupUnpacker(
                options: StreamTesting.unpackOptions(key: nil), logger: StreamTesting.logger
            ).unpack(from: ArraySource(stream, chunkSize: 5000), into: target)
            #expect(summary.archiveBytes == Int64(tar.count))
            try expectSameTree(target, as: source, nanoseconds: true)
        }
    }

    @Test func invalidOptionsAreRefused() async throws {
        let error = await #expect(throws: BackupStreamError.self) {
            try await BackupPacker(
                options: BackupPackOptions(compressionLevel: 13, encryptionKey: Secret("k")), logger: StreamTesting.logger
            ).pack(directory: URL(fileURLWithPath: "/nonexistent"), into: CollectingSink())
        }
        #expect(error.map { "\($0)".contains("compression level 13") } == true)
        await #expect(throws: BackupStreamError.self) {
            try await BackupPacker(options: BackupPackOptions(encryptionKey: Secret("")), logger: StreamTesting.logger)
                .pack(directory: URL(fileURLWithPath: "/nonexistent"), into: CollectingSink())
        }
    }
}

/// A sink whose writes wait until the test opens it, and which tells when the first write arrived.
final class GatedSink: ByteSink {
    private let state = Mutex<(open: Bool, arrived: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))
    private let gate = NSCondition()

    func write(_ chunk: [UInt8]) throws {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.arrived = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
        gate.lock()
        while !state.withLock({ $0.open }) { _ = gate.wait(until: Date().addingTimeInterval(0.05)) }
        gate.unlock()
    }

    func finish() throws {}

    func firstWrite() async {
        await withCheckedContinuation { continuation in
            let arrived = state.withLock { state -> Bool in
                if !state.arrived { state.waiters.append(continuation) }
                return state.arrived
            }
            if arrived { continuation.resume() }
        }
    }

    func open() {
        state.withLock { $0.open = true }
        gate.lock()
        gate.broadcast()
        gate.unlock()
    }
}
