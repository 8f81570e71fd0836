import DB2

/// What `verify` found for one backup object of a chain: where it is, what its index says it holds, and whether
/// it held (downloaded with every segment's MD5 and its checksum matching, decrypted and inflated to the end, its
/// manifest agreeing with its index, every image present and passed by `db2ckbkp`), or the sentence saying what
/// failed.
public struct ObjectVerification: Sendable, Equatable {
    /// What the object's metadata said about it.
    public enum Index: Sendable, Equatable {
        /// The agent's chain index, with the object's kind.
        case chain(BackupImageKind)
        /// No chain index (a backup of Trove's own agent, or one whose index was lost): verified as a full object.
        case none
        /// The object could not be read at all (missing, or not what its child recorded).
        case unread
    }

    /// The object's location (a parent's as its child names it).
    public let location: String
    public let index: Index
    /// Its images: as its index names them, or, without an index, as found in the archive.
    public let images: [String]
    /// Nil when everything held; otherwise what failed, naming the object.
    public let problem: String?

    public init(location: String, index: Index, images: [String], problem: String?) {
        self.location = location
        self.index = index
        self.images = images
        self.problem = problem
    }

    public var held: Bool { problem == nil }

    /// `OK|FAILED  <location>  [<kind>]  <images>[: <problem>]`, one line. Text from the store (locations, names,
    /// errors quoting them) has its control characters escaped, so that a made-up parent location cannot forge a
    /// line.
    public var line: String {
        let kind =
            switch index {
            case .chain(let kind): kind.rawValue
            case .none: "full, no chain index"
            case .unread: "unread"
            }
        let images = images.isEmpty ? "no images" : images.joined(separator: ", ")
        var text = "\(held ? "OK    " : "FAILED")  \(location)  [\(kind)]  \(images)"
        if let problem { text += ": \(problem)" }
        return AgentLogHandler.loggable(text, limit: 16_384)
    }
}
