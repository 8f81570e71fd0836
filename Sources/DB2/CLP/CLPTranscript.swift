/// What one `db2 -tvs -f <script>` run printed, cut into the outcome of each statement.
///
/// With `-v` the CLP echoes each statement before its output, so the output splits at the echoed lines; with `-s`
/// it stops at the first statement that fails, so the statements after it are reported as not run.
public struct CLPTranscript: Sendable {
    /// One statement of the script and what it printed.
    public struct Statement: Sendable {
        public let text: String
        /// What the CLP printed for it (without the echoed statement).
        public let output: String
        /// False when the CLP stopped before reaching it.
        public let ran: Bool
        public let messages: [DB2Message]

        /// The first error message, if the statement failed.
        public var error: DB2Message? { messages.first(where: \.isError) }
        /// True when the statement ran and printed no error.
        public var succeeded: Bool { ran && error == nil }
    }

    public let statements: [Statement]
    public let returnCode: CLPReturnCode
    /// Everything printed, for logs and errors.
    public let output: String

    /// Cuts `output` of a run of `statements` (echoed with `-v`) into one block per statement.
    public init(statements texts: [String], output: String, returnCode: CLPReturnCode) {
        self.returnCode = returnCode
        self.output = output
        var blocks: [[Substring]] = Array(repeating: [], count: texts.count)
        var ran = Array(repeating: false, count: texts.count)
        var current: Int?
        var next = 0
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if next < texts.count, line.trimmingBlanks() == texts[next] {
                current = next
                ran[next] = true
                next += 1
                continue
            }
            if let current { blocks[current].append(line) }
        }
        statements = texts.indices.map { index in
            let text = blocks[index].joined(separator: "\n")
            return Statement(
                text: texts[index], output: text, ran: ran[index], messages: DB2Message.parseAll(text))
        }
    }

    /// The first statement that failed, or nil.
    public var firstFailure: Statement? { statements.first { $0.ran && $0.error != nil } }

    /// Throws for the first failed statement, unless its message is one of `tolerated` (identifiers such as
    /// `SQL1026N`); also throws when the CLP failed without naming an SQL error.
    ///
    /// - Throws: ``DB2Error`` typed by the failing statement's message.
    public func check(step: String, database: String? = nil, tolerating tolerated: Set<String> = []) throws(DB2Error) {
        for statement in statements where statement.ran {
            if let error = statement.error, !tolerated.contains(error.identifier) {
                throw DB2Error.from(error, step: step, database: database)
            }
        }
        if !returnCode.succeeded, firstFailure == nil {
            throw DB2Error(
                .commandFailed, step: step, database: database, detail: "\(returnCode): \(output.excerpt)")
        }
        if let missing = statements.first(where: { !$0.ran }), firstFailure == nil {
            throw DB2Error(
                .commandFailed, step: step, database: database,
                detail: "the CLP stopped before \"\(missing.text)\": \(output.excerpt)")
        }
    }
}

extension String {
    /// The last lines of a long output (at most 2000 characters), for error messages.
    var excerpt: String {
        let trimmed = trimmingBlanks()
        guard trimmed.count > 2000 else { return trimmed }
        return "…" + trimmed.suffix(2000)
    }
}
