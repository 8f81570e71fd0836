import Synchronization

/// A small stock of expensive, reusable objects (compressors), each lent to one job at a time.
final class ReusablePool<Object: Sendable>: Sendable {
    private let stock = Mutex<[Object]>([])
    private let make: @Sendable () throws -> Object

    init(make: @escaping @Sendable () throws -> Object) {
        self.make = make
    }

    /// Runs `body` with an object from the stock (or a new one), then returns the object to the stock.
    func withObject<T>(_ body: (Object) throws -> T) throws -> T {
        let object = try stock.withLock { $0.popLast() } ?? make()
        defer { stock.withLock { $0.append(object) } }
        return try body(object)
    }
}
