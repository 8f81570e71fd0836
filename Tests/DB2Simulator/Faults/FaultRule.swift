import Foundation

/// A rule of the fault control file (`<state>/faults.json`): the next command whose text contains `match`
/// (case-insensitive, blanks collapsed) fails, hangs or dies at the checkpoint `at`.
struct FaultRule: Codable, Equatable, Sendable {
    enum Action: String, Codable, Sendable {
        /// Print `message` (an SQL or DB2 message identifier, with `tokens`) and fail with its return code.
        case fail
        /// Sleep `seconds` (or until the rule is cleared), then carry on.
        case hang
        /// Die at once from SIGKILL, as if killed.
        case kill
        /// Writing a backup image hits a full disk after `bytes` bytes.
        case diskFull = "disk-full"
    }

    /// Where in a command a rule can fire.
    enum Point: String, Codable, Sendable, CaseIterable {
        /// Before the command does anything.
        case start
        /// BACKUP: after the data is copied, before the log tail is taken and the image is finished.
        case afterData = "after-data"
        /// Any change: after the log record and the data are written, before the commit point.
        case beforeCommit = "before-commit"
        /// `db2start`: the engine runs, its outcome is not printed yet (a `fail` here is a partial start).
        case afterStart = "after-start"
    }

    var id: Int
    var match: String
    var at: Point
    var action: Action
    var message: String?
    var tokens: [String]
    var seconds: Double?
    var bytes: Int64?
    /// How many more commands it fires for.
    var remaining: Int
    /// How many times it fired.
    var fired: Int

    /// True when the normalized command text contains the rule's text.
    func matches(_ command: String) -> Bool {
        FaultRule.normalize(command).contains(FaultRule.normalize(match))
    }

    /// Upper case, runs of blanks as one blank.
    static func normalize(_ text: String) -> String {
        text.uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// The content of the control file.
struct FaultControlFile: Codable, Equatable, Sendable {
    var rules: [FaultRule] = []
    var nextID = 1
}
