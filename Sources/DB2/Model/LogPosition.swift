/// Where a database's log stood when an online backup ended: the log chain (`C0000000`, the archive directory
/// Db2 archives it into; a restore starts the next one) and the first log file the image does not hold (the active
/// one after the backup closed and archived the log it ended in). A restore that rolls forward past the backup
/// needs this chain's files from that one on.
public struct LogPosition: Sendable, Hashable, CustomStringConvertible {
    public let chain: String
    public let firstActiveLog: Int

    public init(chain: String, firstActiveLog: Int) {
        self.chain = chain
        self.firstActiveLog = firstActiveLog
    }

    /// `S0000013.LOG`.
    public static func fileName(_ number: Int) -> String {
        let digits = String(number)
        return "S" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits + ".LOG"
    }

    public var description: String { "\(chain)/\(Self.fileName(firstActiveLog))" }
}
