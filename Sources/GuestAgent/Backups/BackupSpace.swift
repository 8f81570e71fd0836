#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Disk space for a backup: what the file system holding the images has, and what a backup needs.
public struct BackupSpace: Sendable, Equatable {
    /// Bytes in use on the file system (Trove's "used", reported as the backup's `size` at BUILDING).
    public var usedBytes: Int64
    /// Bytes an unprivileged writer may still use (`f_bavail`).
    public var availableBytes: Int64

    public init(usedBytes: Int64, availableBytes: Int64) {
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
    }

    /// statvfs of `path`, or of its nearest existing ancestor (the backup directory may not exist yet).
    public static func of(path: String) -> BackupSpace? {
        var candidate = path
        while true {
            var stats = statvfs()
            if statvfs(candidate, &stats) == 0 {
                let fragment = Int64(stats.f_frsize > 0 ? stats.f_frsize : stats.f_bsize)
                return BackupSpace(
                    usedBytes: (Int64(stats.f_blocks) - Int64(stats.f_bfree)) * fragment,
                    availableBytes: Int64(stats.f_bavail) * fragment)
            }
            guard errno == ENOENT || errno == ENOTDIR, let slash = candidate.lastIndex(of: "/"),
                candidate != "/"
            else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
    }

    /// The room a backup needs before it starts: with each image streamed away and deleted as soon as it is
    /// archived, an online backup needs its largest database at a time; an offline backup writes every image while
    /// the instance is quiesced, so it needs them all. Plus `margin` (a fraction).
    ///
    /// - Throws: ``BackupOperationError/insufficientSpace(_:freeBytes:neededBytes:)`` with Trove's message.
    public static func check(
        estimates: [Int64], strategy: BackupStrategy, availableBytes: Int64, margin: Double
    ) throws(BackupOperationError) -> Int64 {
        let base = strategy == .online ? (estimates.max() ?? 0) : estimates.reduce(0, +)
        let needed = Int64((Double(base) * (1 + max(margin, 0))).rounded(.up))
        guard availableBytes >= needed else {
            throw .insufficientSpace(
                .insufficientSpaceForBackup(
                    freeGB: FilesystemStats.toGB(availableBytes), backupSizeGB: FilesystemStats.toGB(needed)),
                freeBytes: availableBytes, neededBytes: needed)
        }
        return needed
    }
}
