import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A small stock of expensive, reusable objects (compressors), each lent to one job at a time.
final class ReusablePool<Object: Sendable>: @unchecked Sendable {
    // @unchecked: `stock` is read and written only while holding `lock` (a pthread mutex rather than `Mutex`,
    // whose futex ThreadSanitizer does not see, so that sanitizer runs stay meaningful).
    private let lock = ConditionLock()
    private var stock: [Object] = []
    private let make: @Sendable () throws -> Object

    init(make: @escaping @Sendable () throws -> Object) {
        self.make = make
    }

    /// Runs `body` with an object from the stock (or a new one), then returns the object to the stock.
    func withObject<T>(_ body: (Object) throws -> T) throws -> T {
        let object = try lock.withLock { stock.popLast() } ?? make()
        defer { lock.withLock { stock.append(object) } }
        return try body(object)
    }
}
