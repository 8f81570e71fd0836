import Foundation

/// Executes SQL statements against the database a CLP back-end is connected to. Every statement commits on its own
/// (the CLP's autocommit).
struct SQLEngine {
    let session: CLPSession
    let entry: InstanceState.DirectoryEntry
    /// The command as typed, for fault rules.
    let commandText: String

    private var store: DatabaseStore { session.instance.databaseStore(for: entry) }

    /// Unqualified table names belong to the schema named like the user.
    private var schema: String { session.authorizationID }

    func execute(_ statement: SQLStatement, headings: Bool) throws -> CommandOutput {
        switch statement {
        case .createTable(let name, let columns):
            try createTable(name.resolved(defaultSchema: schema), columns)
        case .dropTable(let name):
            try dropTable(name.resolved(defaultSchema: schema))
        case .insert(let name, let columns, let rows):
            try insert(into: name.resolved(defaultSchema: schema), columns: columns, rows: rows)
        case .delete(let name, let filter):
            return try delete(from: name.resolved(defaultSchema: schema), where: filter)
        case .select(let select):
            return try self.select(select, headings: headings)
        case .grant(let authorities, let grantees):
            try grant(authorities, to: grantees)
        case .revoke(let authorities, let grantees):
            try revoke(authorities, from: grantees)
        case .call(let procedure, let arguments):
            return try call(procedure, arguments)
        case .commit, .rollback:
            break
        }
        return .message(.completed("SQL"))
    }

    // MARK: Changes

    private func createTable(_ name: QualifiedName, _ columns: [ColumnDefinition]) throws {
        var seen = Set<String>()
        for column in columns where !seen.insert(column.name).inserted {
            throw DB2Failure(DB2Message("SQL0612N", column.name))
        }
        try store.update { state in
            if state.table(name) != nil || SystemViews.table(name, state: state, store: store) != nil {
                throw DB2Failure(DB2Message("SQL0601N", name.description, "TABLE"))
            }
            let id = state.nextTableID
            let table = TableDefinition(
                schema: name.schema!, name: name.name, id: id, columns: columns,
                dataFile: "TBL\(DB2Time.pad(id, 5)).DAT", dataLength: 0, rowCount: 0)
            try commit([.createTable(table)], &state)
        }
    }

    private func dropTable(_ name: QualifiedName) throws {
        try store.update { state in
            guard state.table(name) != nil else { throw DB2Failure(DB2Message("SQL0204N", name.description)) }
            try commit([.dropTable(schema: name.schema!, name: name.name)], &state)
        }
    }

    private func insert(into name: QualifiedName, columns names: [String]?, rows: [[SQLExpression]]) throws {
        try store.update { state in
            guard let table = state.table(name) else { throw DB2Failure(DB2Message("SQL0204N", name.description)) }
            let targets: [Int] = try (names ?? table.columns.map(\.name)).map { columnName in
                guard let index = table.columns.firstIndex(where: { $0.name == columnName }) else {
                    throw DB2Failure(DB2Message("SQL0206N", columnName))
                }
                return index
            }
            var encoded: [UInt8] = []
            for row in rows {
                guard row.count == targets.count else { throw DB2Failure(DB2Message("SQL0117N")) }
                var values = [SQLValue](repeating: .null, count: table.columns.count)
                for (position, expression) in row.enumerated() {
                    values[targets[position]] = try assign(expression, to: table.columns[targets[position]])
                }
                for (index, column) in table.columns.enumerated() where !column.nullable && values[index] == .null {
                    throw DB2Failure(
                        DB2Message("SQL0407N", "TBSPACEID=2, TABLEID=\(table.id), COLNO=\(index)"))
                }
                encoded += RowCodec.encode(values)
            }
            try commit(
                [.insert(schema: table.schema, name: table.name, rows: encoded, count: Int64(rows.count))], &state)
        }
    }

    private func delete(from name: QualifiedName, where filter: Predicate?) throws -> CommandOutput {
        try store.update { state in
            guard let table = state.table(name) else { throw DB2Failure(DB2Message("SQL0204N", name.description)) }
            let columns = table.columns
            var kept: [UInt8] = []
            var keptCount: Int64 = 0
            var deleted = 0
            try store.forEachRowBatch(of: table) { batch in
                for row in batch {
                    if try filter.map({ try Evaluator(columns: columns).test($0, row) }) ?? true {
                        deleted += 1
                    } else {
                        kept += RowCodec.encode(row)
                        keptCount += 1
                    }
                }
            }
            guard deleted > 0 else { return .message(DB2Message("SQL0100W")) }
            let file = "TBL\(DB2Time.pad(table.id, 5))-\(DB2Time.now()).DAT"
            try commit(
                [.replaceRows(schema: table.schema, name: table.name, dataFile: file, rows: kept, count: keptCount)],
                &state)
            return .message(.completed("SQL"))
        }
    }

    private func grant(_ authorities: [Authority], to grantees: [Grantee]) throws {
        for grantee in grantees where grantee.type == "U" && grantee.name == session.authorizationID {
            throw DB2Failure(DB2Message("SQL0554N"))
        }
        try store.update { state in
            let operations = grantees.map {
                DatabaseOperation.grant(grantor: session.authorizationID, grantee: $0, authorities: authorities)
            }
            try commit(operations, &state)
        }
    }

    private func revoke(_ authorities: [Authority], from grantees: [Grantee]) throws {
        try store.update { state in
            for grantee in grantees {
                let row = state.authorities.first { $0.grantee == grantee.name && $0.granteeType == grantee.type }
                guard let row, row.authorities.isSuperset(of: authorities) else {
                    throw DB2Failure(DB2Message("SQL0556N", grantee.name))
                }
                // IBM, *REVOKE (database authorities) statement*: BINDADD, CONNECT, CREATETAB, CREATE_EXTERNAL_ROUTINE,
                // CREATE_NOT_FENCED_ROUTINE, IMPLICIT_SCHEMA, LOAD and QUIESCE_CONNECT "cannot be revoked from an
                // authorization-name holding DBADM authority without also revoking DBADM authority (SQLSTATE 42504)".
                // The page gives the SQLSTATE only; SQL0556N is the message of that SQLSTATE [mem].
                if row.authorities.contains(.dbadm), !authorities.contains(.dbadm),
                    authorities.contains(where: Authority.impliedByDBADM.contains)
                {
                    throw DB2Failure(DB2Message("SQL0556N", grantee.name))
                }
            }
            try commit(grantees.map { DatabaseOperation.revoke(grantee: $0, authorities: authorities) }, &state)
        }
    }

    /// Logs and applies `operations`, then passes the `before-commit` fault checkpoint.
    private func commit(_ operations: [DatabaseOperation], _ state: inout DatabaseState) throws {
        try store.commit(operations, state: &state)
        try session.faults.checkpoint(.beforeCommit, command: commandText)
    }

    /// The value `expression` gives a column of `column`'s type, converted as DB2 assigns values.
    private func assign(_ expression: SQLExpression, to column: ColumnDefinition) throws -> SQLValue {
        let value: SQLValue
        switch expression {
        case .literal(let literal): value = literal
        case .currentTimestamp: value = .timestamp(Evaluator.currentTimestamp())
        case .parameter: throw DB2Failure(DB2Message("SQL0104N", "?", "(", "<value>"))
        case .column(let name): throw DB2Failure(DB2Message("SQL0206N", name))
        case .aggregate(let function, _): throw DB2Failure(DB2Message("SQL0104N", function.rawValue, "(", "<value>"))
        }
        return try Evaluator.convert(value, to: column.type, target: column.name)
    }

    // MARK: Queries

    private func select(_ statement: SelectStatement, headings: Bool) throws -> CommandOutput {
        let name = statement.table.resolved(defaultSchema: schema)
        return try store.read { state in
            let columns: [ColumnDefinition]
            var rows: [[SQLValue]] = []
            if let view = SystemViews.table(name, state: state, store: store) {
                columns = view.columns
                let evaluator = Evaluator(columns: columns)
                rows = try statement.filter.map { filter in try view.rows.filter { try evaluator.test(filter, $0) } } ?? view.rows
            } else if let table = state.table(name) {
                columns = table.columns
                let evaluator = Evaluator(columns: columns)
                try store.forEachRowBatch(of: table) { batch in
                    if let filter = statement.filter {
                        rows += try batch.filter { try evaluator.test(filter, $0) }
                    } else {
                        rows += batch
                    }
                }
            } else {
                throw DB2Failure(DB2Message("SQL0204N", name.description))
            }
            let result = try Evaluator(columns: columns).project(statement, rows: rows)
            var output = CommandOutput(text: result.rendered(headings: headings), returnCode: 0)
            if result.rows.isEmpty { output.returnCode = 1 }
            return output
        }
    }

    private func call(_ procedure: QualifiedName, _ arguments: [SQLExpression]) throws -> CommandOutput {
        guard procedure.name == "GET_DBSIZE_INFO", procedure.schema == nil || procedure.schema == "SYSPROC",
            arguments.count == 4
        else { throw DB2Failure(DB2Message("SQL0440N", procedure.name, "PROCEDURE")) }
        var window = DatabaseSizeInfo.defaultWindowMinutes
        if case .literal(.integer(let minutes)) = arguments[3] { window = minutes }
        return try store.read { state in
            CommandOutput(
                text: DatabaseSizeInfo.current(windowMinutes: window, state: state, store: store).output, returnCode: 0)
        }
    }
}
