import AgentSupport
import Foundation
import Testing

@Suite struct SecretTests {
    @Test func everyTextualFormHidesTheValue() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "***")
        #expect(String(describing: secret) == "***")
        #expect(String(reflecting: secret) == "Secret(***)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(secret.revealed == "hunter2")
    }
}

@Suite struct BlockingThreadPoolTests {
    @Test func runsJobsOffTheCallerAndReturnsResults() async throws {
        let pool = BlockingThreadPool(name: "test", threadCount: 2)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 { group.addTask { await pool.run { i * i } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<20).map { $0 * $0 })
    }

    @Test func propagatesErrors() async {
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await BlockingThreadPool.shared.run { () throws -> Int in throw Boom() } }
    }

    @Test func aBlockedJobDoesNotStopTheOthers() async {
        let pool = BlockingThreadPool(name: "test", threadCount: 2)
        let gate = DispatchSemaphore(value: 0)
        pool.submit { gate.wait() }
        let value = await pool.run { 42 }
        #expect(value == 42)
        gate.signal()
    }
}

@Suite struct ByteCountFormattingTests {
    @Test func formats() {
        #expect(ByteCountFormatting.bytes(0) == "0 B")
        #expect(ByteCountFormatting.bytes(1536) == "1.5 KiB")
        #expect(ByteCountFormatting.bytes(3 * 1024 * 1024 * 1024) == "3.0 GiB")
        #expect(ByteCountFormatting.rate(bytes: 250_000_000, seconds: 2) == "125.0 MB/s")
    }
}

@Suite struct BoundedChunkPipeTests {
    @Test func deliversEveryChunkInOrderThenEnds() async throws {
        let pipe = BoundedChunkPipe(capacity: 2)
        BlockingThreadPool.shared.submit {
            for i in 0..<100 { try? pipe.write([UInt8(i)]) }
            try? pipe.finish()
        }
        let received = try await BlockingThreadPool.shared.run { () throws -> [UInt8] in
            var all: [UInt8] = []
            while let chunk = try pipe.nextChunk() { all += chunk }
            return all
        }
        #expect(received == (0..<100).map { UInt8($0) })
    }

    @Test func aProducerFailureReachesTheConsumerInsteadOfAnEnd() async throws {
        struct DiskFull: Error {}
        let pipe = BoundedChunkPipe(capacity: 4)
        try pipe.write([1, 2, 3])
        pipe.fail(DiskFull())
        #expect(throws: DiskFull.self) { try pipe.nextChunk() }
        #expect(throws: DiskFull.self) { try pipe.write([4]) }
    }

    @Test func aConsumerFailureUnblocksAWaitingProducer() async throws {
        struct UploadFailed: Error {}
        let pipe = BoundedChunkPipe(capacity: 1)
        try pipe.write([1])
        let producer = Task {
            try await BlockingThreadPool.shared.run { try pipe.write([2]) }  // blocks: the pipe is full
        }
        pipe.fail(UploadFailed())
        await #expect(throws: UploadFailed.self) { try await producer.value }
    }
}

@Suite struct EncodingTests {
    @Test func hexIsTwoLowercaseDigitsPerByte() {
        #expect(HexEncoding.lowercase([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(HexEncoding.lowercase([UInt8]()) == "")
    }

    @Test func identifiersHaveOslosAndUUIDsShapes() {
        let hex = RandomIdentifier.hex128()
        #expect(hex.count == 32 && hex.allSatisfy { "0123456789abcdef".contains($0) }, "\(hex)")
        #expect(RandomIdentifier.hex128() != hex)
        let uuid = RandomIdentifier.uuid4()
        let groups = uuid.split(separator: "-", omittingEmptySubsequences: false)
        #expect(groups.map(\.count) == [8, 4, 4, 4, 12], "\(uuid)")
        #expect(groups[2].first == "4", "version 4: \(uuid)")
        #expect("89ab".contains(groups[3].first ?? "x"), "RFC 4122 variant: \(uuid)")
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(PercentEncoding.encodeComponent("a b/c%d_e.f~g-ü") == "a%20b%2Fc%25d_e.f~g-%C3%BC")
        #expect(PercentEncoding.decode("a%20b%2Fc%25d%C3%BC") == "a b/c%dü")
        #expect(PercentEncoding.decode("100%") == "100%", "a malformed escape stays as written")
    }
}
