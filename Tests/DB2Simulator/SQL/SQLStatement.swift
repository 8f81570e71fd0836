import Foundation

/// A table name, optionally qualified by its schema.
struct QualifiedName: Equatable, Sendable, CustomStringConvertible {
    var schema: String?
    var name: String

    func resolved(defaultSchema: String) -> QualifiedName { QualifiedName(schema: schema ?? defaultSchema, name: name) }

    var description: String { schema.map { "\($0).\(name)" } ?? name }
}

/// A value expression of the supported SQL subset.
enum SQLExpression: Equatable, Sendable {
    case literal(SQLValue)
    case column(String)
    case currentTimestamp
    /// A `?` parameter marker (only `CALL` accepts them in the CLP).
    case parameter
    /// `COUNT(*)` has no column.
    case aggregate(AggregateFunction, column: String?)

    var isAggregate: Bool {
        if case .aggregate = self { return true }
        return false
    }
}

enum AggregateFunction: String, Sendable {
    case count = "COUNT"
    case max = "MAX"
    case min = "MIN"
    case sum = "SUM"
}

/// A search condition (`WHERE`).
indirect enum Predicate: Equatable, Sendable {
    case comparison(SQLExpression, String, SQLExpression)
    case isNull(SQLExpression, negated: Bool)
    case inList(SQLExpression, [SQLExpression], negated: Bool)
    case and(Predicate, Predicate)
    case or(Predicate, Predicate)
    case not(Predicate)
}

struct SelectItem: Equatable, Sendable {
    /// nil for `*`.
    var expression: SQLExpression?
    var alias: String?
}

struct OrderItem: Equatable, Sendable {
    enum Key: Equatable, Sendable {
        case column(String)
        case position(Int)
    }

    var key: Key
    var descending: Bool
}

struct SelectStatement: Equatable, Sendable {
    var items: [SelectItem]
    var table: QualifiedName
    var filter: Predicate?
    var order: [OrderItem]
    var limit: Int?
}

/// An authority granted on a database.
enum Authority: String, Codable, Sendable, CaseIterable {
    case bindadd = "BINDADD"
    case connect = "CONNECT"
    case createtab = "CREATETAB"
    case createExternalRoutine = "CREATE_EXTERNAL_ROUTINE"
    case createNotFenced = "CREATE_NOT_FENCED_ROUTINE"
    case implicitSchema = "IMPLICIT_SCHEMA"
    case dbadm = "DBADM"
    case load = "LOAD"
    case quiesceConnect = "QUIESCE_CONNECT"
    case secadm = "SECADM"
    case sqladm = "SQLADM"
    case wlmadm = "WLMADM"
    case explain = "EXPLAIN"
    case dataaccess = "DATAACCESS"
    case accessctrl = "ACCESSCTRL"
    case createSecure = "CREATE_SECURE_OBJECT"

    /// The authorities REVOKE refuses to take from a DBADM holder unless DBADM goes too (SQLSTATE 42504, IBM *REVOKE
    /// (database authorities) statement*). DATAACCESS and ACCESSCTRL are not among them: they are separate
    /// authorities (their own SYSDBAUTH columns), kept when DBADM is revoked.
    static let impliedByDBADM: Set<Authority> = [
        .bindadd, .connect, .createtab, .createExternalRoutine, .createNotFenced, .implicitSchema, .load,
        .quiesceConnect,
    ]
}

/// Who receives or loses an authority.
struct Grantee: Equatable, Sendable {
    /// `U` user, `G` group, `R` role (the SYSDBAUTH codes).
    var type: String
    var name: String
}

/// The SQL statements the stand-in executes.
enum SQLStatement: Equatable, Sendable {
    case createTable(QualifiedName, [ColumnDefinition])
    case dropTable(QualifiedName)
    case insert(QualifiedName, columns: [String]?, rows: [[SQLExpression]])
    case select(SelectStatement)
    case delete(QualifiedName, Predicate?)
    case grant([Authority], [Grantee])
    case revoke([Authority], [Grantee])
    case call(QualifiedName, [SQLExpression])
    case commit
    case rollback
}
