#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// Hands finished images from the database backups to the packer and frees their disk space as soon as they are
/// in the stream: an image announced here is deleted once the packer has archived it (and, when it is checked,
/// once `db2ckbkp` has passed: the check reads the image while it streams). The next database's backup waits
/// (``waitForRoom(needed:available:)``) until the disk has room for it, or nothing is left to wait for. So backups
/// overlap the upload where the disk allows, and run one at a time where it does not.
final class BackupImageHandOff: Sendable {
    let directory: String
    /// Images on disk, with what they still wait for before they can go.
    private let outstanding = Mutex<[String: (archived: Bool, checked: Bool)]>([:])
    private let events: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let onDeleteFailure: @Sendable (String, Int32) -> Void

    /// - Parameter onDeleteFailure: told the path and `errno` when an archived image cannot be deleted.
    init(directory: String, onDeleteFailure: @escaping @Sendable (String, Int32) -> Void) {
        self.directory = directory
        self.onDeleteFailure = onDeleteFailure
        (events, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// An image file (a plain name in ``directory``) is complete and announced to the packer; with `checking`,
    /// it stays until ``checked(_:)`` too.
    func add(_ fileName: String, checking: Bool) {
        outstanding.withLock { $0[fileName] = (archived: false, checked: !checking) }
    }

    /// The packer has read `fileName` into the stream (called on the packer's thread).
    func archived(_ fileName: String) { settle(fileName) { $0.archived = true } }

    /// `db2ckbkp` passed for `fileName`.
    func checked(_ fileName: String) { settle(fileName) { $0.checked = true } }

    /// Records a condition; deletes the image (a short unlink) once it is archived and checked.
    private func settle(_ fileName: String, _ change: (inout (archived: Bool, checked: Bool)) -> Void) {
        let done = outstanding.withLock { images -> Bool in
            guard var state = images[fileName] else { return false }
            change(&state)
            if state.archived && state.checked {
                images[fileName] = nil
                return true
            }
            images[fileName] = state
            return false
        }
        guard done else { return }
        let path = directory + "/" + fileName
        if unlink(path) != 0, errno != ENOENT { onDeleteFailure(path, errno) }
        wake.yield()
    }

    /// Images announced but not archived yet.
    var waitingCount: Int { outstanding.withLock { $0.count } }

    /// Returns once `available()` is at least `needed` bytes, or no announced image is waiting to be archived (then
    /// the disk is as free as it will get).
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func waitForRoom(needed: Int64, available: @Sendable () -> Int64) async throws {
        if waitingCount == 0 || available() >= needed { return }
        for await _ in events {
            if waitingCount == 0 || available() >= needed { return }
        }
        throw CancellationError()
    }

    /// Bytes of the files in ``directory`` that are not announced yet: the image being written right now.
    func bytesBeingWritten() -> Int64 {
        let announced = outstanding.withLock { Set($0.keys) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var total: Int64 = 0
        for name in names where !announced.contains(name) {
            var info = stat()
            if stat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG { total += Int64(info.st_size) }
        }
        return total
    }
}
