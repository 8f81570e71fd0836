import AgentSupport
import Logging
import OsloRPC

/// The journal record of one running operation, kept current as it moves from step to step.
///
/// The first ``save()`` must succeed (an operation that cannot be journaled is not started: a crash would go
/// unnoticed); later updates are best effort and only logged when they fail.
actor JournalEntry {
    private(set) var record: OperationRecord
    private let journal: OperationJournal
    private let logger: Logger

    init(_ record: OperationRecord, journal: OperationJournal, logger: Logger) {
        self.record = record
        self.journal = journal
        self.logger = logger
    }

    /// The current step.
    var step: String { record.step }

    /// Writes the record.
    ///
    /// - Throws: ``OperationJournalError``.
    func save() async throws { try await journal.write(record) }

    /// Records the step now running.
    func update(step: String) async {
        record.step = step
        await write()
    }

    /// Records the outcome: the final `update_backup` fields, until the broker confirms them.
    func finish(report: [String: JSONValue]) async {
        record.phase = .reporting
        record.report = report
        await write()
    }

    /// Removes the record: the operation is over and reported.
    func remove() async {
        do { try await journal.remove(kind: record.kind, id: record.id) } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
        }
    }

    private func write() async {
        do { try await journal.write(record) } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
        }
    }
}
