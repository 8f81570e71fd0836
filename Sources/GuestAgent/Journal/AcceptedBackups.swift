import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The ids of the backups this agent has taken on (the newest ``capacity``), kept on disk in `state_dir`, so that a
/// `create_backup` delivered again is never run twice.
///
/// The broker may deliver a request again: a cast taken just before the agent died is requeued when its
/// connection ends. Running it again would reuse the backup's object name: a second upload over a backup recovery
/// just reported `COMPLETED`, and, should it fail, the deletion of its segments. Trove never sends `create_backup`
/// twice for one id, so an id seen before means a redelivery, and it is ignored.
///
/// One file (`accepted-backups`), replaced atomically and durably through ``DirectoryHandle``; blocking I/O runs on
/// ``BlockingThreadPool``.
actor AcceptedBackups {
    /// How many ids are remembered (Trove makes one backup at a time per instance: hundreds of days of backups).
    static let capacity = 512

    private let directory: String
    private var ids: [String]?

    init(directory: String) {
        self.directory = directory
    }

    /// Records `id` as taken on; returns `false` when it was taken on before (the request is a redelivery).
    ///
    /// - Throws: ``PathFailure`` when the record cannot be written (the backup must then not start: a crash would
    ///   let its redelivery run it again).
    func accept(_ id: String) async throws -> Bool {
        var known = try await load()
        if known.contains(id) { return false }
        known.append(id)
        if known.count > Self.capacity { known.removeFirst(known.count - Self.capacity) }
        let bytes = JSONWriter.bytes(.array(known.map(JSONValue.string))) + [0x0a]
        let directory = self.directory
        try await BlockingThreadPool.shared.run {
            try DirectoryHandle.open(directory, creatingMissing: 0o700)
                .replaceFile("accepted-backups", contents: bytes, mode: 0o600, uid: nil, gid: nil)
        }
        ids = known
        return true
    }

    private func load() async throws -> [String] {
        if let ids { return ids }
        let directory = self.directory
        let bytes = try await BlockingThreadPool.shared.run { () -> [UInt8]? in
            try DirectoryHandle.open(directory, creatingMissing: 0o700).readFile("accepted-backups", limit: 1 << 20)
        }
        let loaded = bytes.flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue) ?? []
        ids = loaded
        return loaded
    }
}
