import AgentSupport
import Foundation
import Synchronization

/// A sink that keeps everything written to it.
final class CollectingSink: ByteSink {
    private let state = Mutex<(bytes: [UInt8], finished: Bool, writes: Int)>(([], false, 0))

    func write(_ chunk: [UInt8]) throws {
        state.withLock {
            $0.bytes += chunk
            $0.writes += 1
        }
    }

    func finish() throws { state.withLock { $0.finished = true } }

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var finished: Bool { state.withLock { $0.finished } }
}

/// A source that hands out given bytes in chunks of a given size.
final class ArraySource: ByteSource {
    private let state: Mutex<(bytes: [UInt8], position: Int)>
    private let chunkSize: Int

    init(_ bytes: [UInt8], chunkSize: Int = 64 * 1024) {
        state = Mutex((bytes, 0))
        self.chunkSize = chunkSize
    }

    convenience init(contentsOf url: URL, chunkSize: Int = 64 * 1024) throws {
        self.init(Array(try Data(contentsOf: url)), chunkSize: chunkSize)
    }

    func nextChunk() throws -> [UInt8]? {
        state.withLock { state in
            guard state.position < state.bytes.count else { return nil }
            let end = min(state.bytes.count, state.position + chunkSize)
            defer { state.position = end }
            return Array(state.bytes[state.position..<end])
        }
    }
}

/// A sink that fails on its `failAfter`-th write.
final class FailingSink: ByteSink {
    struct Broken: Error, Equatable {}
    private let writes = Mutex(0)
    private let failAfter: Int

    init(failAfter: Int) { self.failAfter = failAfter }

    func write(_ chunk: [UInt8]) throws {
        let count = writes.withLock { count -> Int in
            count += 1
            return count
        }
        if count >= failAfter { throw Broken() }
    }

    func finish() throws {}
}

/// A source that hands out some bytes, then fails.
final class FailingSource: ByteSource {
    struct Broken: Error, Equatable {}
    private let inner: ArraySource
    private let chunksBeforeFailure: Mutex<Int>

    init(_ bytes: [UInt8], chunksBeforeFailure: Int) {
        inner = ArraySource(bytes, chunkSize: 16 * 1024)
        self.chunksBeforeFailure = Mutex(chunksBeforeFailure)
    }

    func nextChunk() throws -> [UInt8]? {
        let remaining = chunksBeforeFailure.withLock { count -> Int in
            count -= 1
            return count
        }
        if remaining < 0 { throw Broken() }
        return try inner.nextChunk()
    }
}
