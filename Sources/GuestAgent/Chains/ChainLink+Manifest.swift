import AgentSupport
import DB2

extension ChainLink {
    /// The backup, unpacked in `directory`, must hold the manifest the agent wrote, agreeing with its index: the
    /// same databases, each image of the kind and base planned, the same parent, online or offline alike. A
    /// backup without an index (Trove's own agent's) has nothing to agree with: it passes.
    ///
    /// What a restore checks before it uses a link, and what `verify` checks on every link.
    ///
    /// - Throws: ``BackupOperationError/invalidManifest(_:)`` or ``BackupOperationError/brokenChain(_:)`` naming
    ///   the backup and what disagrees.
    func checkManifest(unpackedIn directory: String) async throws {
        guard let index else { return }
        let path = directory + "/" + BackupManifest.memberName
        let read: [UInt8]?
        do {
            read = try await BlockingThreadPool.shared.run {
                try DirectoryHandle.open(directory).readFile(BackupManifest.memberName, limit: 1 << 20)
            }
        } catch {
            throw BackupOperationError.brokenChain("\(location): its manifest \(path) cannot be read: \(error)")
        }
        guard let bytes = read else {
            throw BackupOperationError.brokenChain("\(location) has a chain index but no manifest (\(path))")
        }
        let manifest = try BackupManifest(json: bytes)
        let planned = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.database, $0) })
        let problem: String? =
            if manifest.online != index.online { "its manifest says \(manifest.online ? "online" : "offline"), its metadata does not" }
            else if manifest.parentLocation != index.parentLocation { "its manifest and its metadata name different parents" }
            else if Set(planned.keys) != Set(index.images.map(\.database)) { "its manifest and its metadata list different databases" }
            else if let image = index.images.first(where: { image in
                // Db2 may have refused an incremental the manifest planned, and taken a full image instead.
                guard let entry = planned[image.database] else { return true }
                return !(entry.kind == image.kind && entry.base == image.base) && image.kind != .full
            }) { "the \(image) its metadata names is not what its manifest planned" }
            else { nil }
        if let problem { throw BackupOperationError.brokenChain("\(location): \(problem)") }
    }
}
