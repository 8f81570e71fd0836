import Synchronization

/// The parts of one stream that run at once, joined by pipes: DB2 writing images, the packer and the store for a
/// backup; the download and the unpacker for a restore.
///
/// Every part runs to its end. The first failure is kept (``firstFailure``) and handed to `onFailure`, which fails
/// the pipes so that no part waits for ever on one that stopped; with `cancellingOthers` the other parts are
/// cancelled as well (a DB2 backup must not go on writing into a stream that broke).
final class StreamParts<Output: Sendable>: Sendable {
    typealias Part = @Sendable () async throws -> Output

    private let first = Mutex<(any Error)?>(nil)

    /// The first failure of any part, as it happened (the others then only saw the pipes fail).
    var firstFailure: (any Error)? { first.withLock { $0 } }

    /// Runs `parts` at once and returns each one's outcome, in the order given.
    func run(
        _ parts: [Part], cancellingOthers: Bool, onFailure: @escaping @Sendable (any Error) -> Void
    ) async -> [Result<Output, any Error>] {
        await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
            for (index, part) in parts.enumerated() {
                group.addTask {
                    do { return (index, .success(try await part())) } catch {
                        self.first.withLock { if $0 == nil { $0 = error } }
                        onFailure(error)
                        return (index, .failure(error))
                    }
                }
            }
            var outcomes = [Result<Output, any Error>?](repeating: nil, count: parts.count)
            for await (index, outcome) in group {
                outcomes[index] = outcome
                if case .failure = outcome, cancellingOthers { group.cancelAll() }
            }
            return outcomes.map { $0! }
        }
    }
}

extension Result {
    /// The error of a failure, `nil` for a success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
