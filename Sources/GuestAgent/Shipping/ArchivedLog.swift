import DB2
import ObjectStorage

/// One log file Db2 archived (`LOGARCHMETH1 DISK:<archive>`): `<archive>/<instance>/<DB>/NODE0000/LOGSTREAM0000/
/// C0000000/S0000012.LOG` (IBM, *logarchmeth1*: "the path ... followed by the instance name, database name,
/// database partition number, log stream and log chain").
struct ArchivedLog: Sendable, Hashable, CustomStringConvertible {
    let path: String
    let database: DatabaseName
    /// The log chain directory, `C0000000` (a restore starts the next one).
    let chain: String
    /// `S0000012.LOG`.
    let file: String
    /// 12.
    let number: Int

    /// The log at `path` under `archiveRoot`, or nil for anything else (a temporary name, another layout).
    init?(path: String, archiveRoot: String) {
        let root = archiveRoot.hasSuffix("/") ? String(archiveRoot.dropLast()) : archiveRoot
        guard path.hasPrefix(root + "/") else { return nil }
        let parts = path.dropFirst(root.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, let name = try? DatabaseName(parts[1]), name.value == parts[1],
            parts[2].hasPrefix("NODE"), parts[3].hasPrefix("LOGSTREAM"), Self.isNumbered(parts[4], "C", suffix: ""),
            Self.isNumbered(parts[5], "S", suffix: ".LOG"), let number = Int(parts[5].dropFirst().dropLast(4))
        else { return nil }
        self.path = path
        database = name
        chain = parts[4]
        file = parts[5]
        self.number = number
    }

    /// `C0000000`, `S0000012.LOG`: a letter and seven digits.
    static func isNumbered(_ text: String, _ letter: Character, suffix: String) -> Bool {
        guard text.first == letter, text.hasSuffix(suffix) else { return false }
        let digits = text.dropFirst().dropLast(suffix.count)
        return digits.count == 7 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Its path relative to the archive root (the journal's key).
    var relativePath: String { path.split(separator: "/").suffix(6).joined(separator: "/") }

    /// Where it is shipped: `db2logs/<instance id>/<DB>/<chain>/<file>.gz.enc`.
    func objectPath(instanceID: String) throws -> ObjectPath {
        try ShippedLogNaming.directory(instanceID: instanceID, database: database, chain: chain)
            .appending("\(file).gz.enc")
    }

    var description: String { "\(database) \(chain)/\(file)" }
}

/// The names of shipped logs in the store.
enum ShippedLogNaming {
    static let root = "db2logs"

    /// `db2logs/<instance id>/<DB>/<chain>`.
    static func directory(instanceID: String, database: DatabaseName, chain: String) throws -> ObjectPath {
        try ObjectPath([root, instanceID, database.value, chain])
    }

    /// `db2logs/<instance id>/<DB>`.
    static func database(instanceID: String, database: DatabaseName) throws -> ObjectPath {
        try ObjectPath([root, instanceID, database.value])
    }

    /// The log number of a shipped object's last component (`S0000012.LOG.gz.enc`), or nil.
    static func number(ofObject name: String) -> Int? {
        guard name.hasSuffix(".LOG.gz.enc") else { return nil }
        let file = String(name.dropLast(".gz.enc".count))
        guard ArchivedLog.isNumbered(file, "S", suffix: ".LOG") else { return nil }
        return Int(file.dropFirst().dropLast(4))
    }
}
