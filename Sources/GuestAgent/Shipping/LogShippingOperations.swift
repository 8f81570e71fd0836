import DB2
import FoundationEssentials

/// What log shipping needs from DB2: ``DB2Manager`` is it (tests give a fake).
public protocol LogShippingOperations: Sendable {
    /// The databases of the instance.
    func databases() async throws -> [DatabaseName]
    /// `ARCHIVE LOG FOR DATABASE`: closes and archives the active log.
    func archiveLog(of database: DatabaseName) async throws
    /// When the database last wrote its log, if that can be told.
    func lastLogWrite(of database: DatabaseName) async -> Date?
}

extension DB2Manager: LogShippingOperations {}
