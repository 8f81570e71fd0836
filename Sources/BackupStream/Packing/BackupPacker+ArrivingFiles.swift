import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

extension BackupPacker {
    /// Packs `directory` while files arrive in it: the archive starts with the directory itself, then holds each
    /// file announced to `files`, in the order announced, as soon as it is announced; it ends after
    /// ``ArrivingFiles/finish()``. The stream is the same format as ``pack(directory:into:progress:)`` writes
    /// (what `tar cPf - DIR` would write for the final directory, members in arrival order).
    ///
    /// So a backup of several databases can be streamed to storage while the next database is being backed up,
    /// and each image can be deleted once it is archived.
    ///
    /// - Throws: as ``pack(directory:into:progress:)``; also the error given to ``ArrivingFiles/fail(_:)``, and
    ///   ``BackupStreamError/unsupportedFileType(path:type:)`` when an announced name is not a regular file. On
    ///   failure `sink.finish()` is not called.
    @discardableResult
    public func pack(
        directory: URL, arriving files: ArrivingFiles, into sink: any ByteSink,
        progress: (@Sendable (PackProgress) -> Void)? = nil
    ) async throws -> PackSummary {
        try await pack(directory: directory, into: sink, progress: progress, onFailure: { files.fail($0) }) {
            archiver in try archiver.archive(arriving: files)
        }
    }
}

extension DirectoryArchiver {
    /// Archives the root, then each file `files` announces, then the end-of-archive marker.
    func archive(arriving files: ArrivingFiles) throws {
        let fd = try openRoot()
        defer { close(fd) }
        try archiveRoot(fd)
        while let entry = try files.next() {
            let name = rootName + entry
            let display = String(decoding: name, as: UTF8.self)
            var info = stat()
            guard FileNameBytes.withCString(entry, { fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                throw BackupStreamError.errno(display, "stat")
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw BackupStreamError.unsupportedFileType(path: display, type: "file that is not a regular file")
            }
            try archiveFile(entry, in: fd, name: name, info: info)
            files.archived(entry)
        }
        try endArchive()
    }
}
