
/// A bounded, blocking hand-off of byte chunks from one producer thread to one consumer thread.
///
/// The producer writes (and blocks while `capacity` chunks are waiting), the consumer reads; memory is bounded by
/// `capacity` times the chunk size. Either side can ``fail(_:)`` the pipe: the other side then gets that error
/// from its next call, so neither waits for ever and a failed producer is never read as a clean end of stream.
public final class BoundedChunkPipe: ByteSource, ByteSink, @unchecked Sendable {
    // @unchecked: every stored var is read and written only while holding `condition`.
    private let condition = ConditionLock()
    private var chunks: [[UInt8]] = []
    private var finished = false
    private var failure: (any Error)?
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0, "a pipe needs room for at least one chunk")
        self.capacity = capacity
    }

    public func write(_ chunk: [UInt8]) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity, failure == nil { condition.wait() }
        if let failure { throw failure }
        precondition(!finished, "write after finish")
        if chunk.isEmpty { return }
        chunks.append(chunk)
        condition.broadcast()
    }

    public func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        finished = true
        condition.broadcast()
    }

    public func nextChunk() throws -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !finished, failure == nil { condition.wait() }
        if let failure { throw failure }
        if chunks.isEmpty { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }

    /// Fails the pipe: both sides get `error` from their next call. The first failure wins.
    public func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
