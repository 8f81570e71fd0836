import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The names of files that appear, complete, in a directory while it is being packed: the producer (a database
/// backup writing one image after another) announces each file once it is final, and the packer archives it as
/// soon as the stream gets there (``BackupPacker/pack(directory:arriving:into:progress:)``).
///
/// The producer calls ``add(_:)`` for each file, then ``finish()``; or ``fail(_:)`` to stop the pack with an error
/// (a half-made backup must never pass for a whole one). `onArchived` runs on the packer's thread once a file has
/// been read to its end into the stream, so the producer may delete it and reuse the disk space.
public final class ArrivingFiles: @unchecked Sendable {
    // @unchecked: every stored var is read and written only while holding `condition`; `onArchived` is immutable.
    private let condition = ConditionLock()
    private var names: [String] = []
    private var finished = false
    private var failure: (any Error)?
    private let onArchived: @Sendable (String) -> Void

    /// - Parameter onArchived: called with a name once that file is in the stream (on a pipeline thread).
    public init(onArchived: @escaping @Sendable (String) -> Void = { _ in }) {
        self.onArchived = onArchived
    }

    /// Announces a file of the directory (a plain name, no `/`): complete, and unchanged until it is archived.
    /// Ignored after ``finish()`` or ``fail(_:)``.
    public func add(_ name: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !finished, failure == nil else { return }
        names.append(name)
        condition.broadcast()
    }

    /// No more files: the archive ends after the last one announced.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the pack: the packer's next wait throws `error`. The first failure wins.
    public func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next name, waiting for one; `nil` after ``finish()`` once every name was taken.
    ///
    /// - Throws: the error given to ``fail(_:)``; ``BackupStreamError/invalidOptions(_:)`` for a name that is not a
    ///   plain file name.
    func next() throws -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while names.isEmpty, !finished, failure == nil { condition.wait() }
        if let failure { throw failure }
        guard !names.isEmpty else { return nil }
        let name = names.removeFirst()
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else {
            throw BackupStreamError.invalidOptions("arriving file \(name.debugDescription) is not a plain file name")
        }
        return Array(name.utf8)
    }

    /// Called by the packer once `name` is in the stream.
    func archived(_ name: [UInt8]) {
        onArchived(String(decoding: name, as: UTF8.self))
    }
}
