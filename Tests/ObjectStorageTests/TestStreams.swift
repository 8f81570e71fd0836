import AgentSupport
import Foundation
import ObjectStorage
import Synchronization
import Testing

/// Deterministic pseudo-random bytes (xorshift), so that every segment differs.
func testBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}

/// A ``ByteSource`` over bytes in memory, handing out `chunkSize` chunks; `beforeChunk` runs (on the reading
/// thread) before each chunk with the offset of that chunk, and may throw to fail the stream there.
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private let beforeChunk: @Sendable (Int) throws -> Void
    private let offset = Mutex(0)

    init(_ bytes: [UInt8], chunkSize: Int = 16 * 1024, beforeChunk: @escaping @Sendable (Int) throws -> Void = { _ in }) {
        self.bytes = bytes
        self.chunkSize = chunkSize
        self.beforeChunk = beforeChunk
    }

    func nextChunk() throws -> [UInt8]? {
        let start = offset.withLock { $0 }
        guard start < bytes.count else { return nil }
        try beforeChunk(start)
        let end = min(start + chunkSize, bytes.count)
        offset.withLock { $0 = end }
        return Array(bytes[start..<end])
    }
}

/// A ``ByteSink`` collecting everything written, and whether it was finished.
final class CollectingSink: ByteSink {
    private let state = Mutex<(bytes: [UInt8], finished: Bool)>(([], false))

    func write(_ chunk: [UInt8]) throws {
        state.withLock { $0.bytes += chunk }
    }

    func finish() throws {
        state.withLock { $0.finished = true }
    }

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var isFinished: Bool { state.withLock { $0.finished } }
}

/// Collects ``StorageEvent``s from storage threads.
final class EventLog: Sendable {
    private let events = Mutex<[StorageEvent]>([])
    private let condition = NSCondition()

    func record(_ event: StorageEvent) {
        events.withLock { $0.append(event) }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    var all: [StorageEvent] { events.withLock { $0 } }

    /// Waits (up to `timeout`) until `predicate` holds for the events so far; returns whether it did.
    func wait(timeout: Duration = .seconds(30), until predicate: ([StorageEvent]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
        condition.lock()
        defer { condition.unlock() }
        while !predicate(all) {
            if !condition.wait(until: deadline) { return predicate(all) }
        }
        return true
    }
}

/// A flag shared between test threads.
final class TestFlag: Sendable {
    private let value = Atomic(false)

    /// Sets the flag; returns whether it was already set.
    @discardableResult
    func set() -> Bool { value.exchange(true, ordering: .relaxed) }

    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// A gate test threads wait at until the test opens it.
final class TestGate: @unchecked Sendable {
    // @unchecked: `isOpen` is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var isOpen = false

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until ``open()``, at most `timeout`; returns whether it opened.
    @discardableResult
    func wait(timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !isOpen {
            if !condition.wait(until: deadline) { return isOpen }
        }
        return true
    }
}

extension EventLog {
    /// Names from ``StorageEvent/segmentVerified(name:bytes:)``, in order.
    var verifiedSegments: [String] {
        all.compactMap { event in
            if case .segmentVerified(let name, _) = event { return name }
            return nil
        }
    }

    /// How many ``StorageEvent/segmentStored(_:)`` events arrived.
    var storedCount: Int { all.filter { if case .segmentStored = $0 { true } else { false } }.count }

    /// How many ``StorageEvent/retrying(object:attempt:delay:reason:)`` events arrived.
    var retryCount: Int { all.filter { if case .retrying = $0 { true } else { false } }.count }
}

/// Loads `stored` back and checks what a restore would see: the same bytes, a finished sink, and every segment
/// verified in order (`container/segment`).
func expectLoadsBack(
    _ stored: StoredBackup, from storage: any BackupStorage, equalTo data: [UInt8], container: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let sink = CollectingSink()
    let events = EventLog()
    let loaded = try await storage.load(
        location: stored.location, expectedChecksum: stored.checksum, into: sink, progress: events.record)
    #expect(loaded == Int64(data.count), sourceLocation: sourceLocation)
    #expect(sink.bytes == data, sourceLocation: sourceLocation)
    #expect(sink.isFinished, sourceLocation: sourceLocation)
    #expect(
        events.verifiedSegments == stored.segments.map { "\(container)/\($0.name)" }, sourceLocation: sourceLocation)
}
