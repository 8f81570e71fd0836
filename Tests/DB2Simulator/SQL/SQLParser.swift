import Foundation

/// Parses the SQL subset the stand-in executes; anything else fails with SQL0104N as DB2 reports a syntax error.
struct SQLParser {
    private let tokens: [SQLToken]
    private var index = 0

    /// The first words of the SQL statements DB2 knows, supported here or not: text that starts otherwise was never
    /// an SQL statement (the CLP then reports DB21034E before the SQL error).
    static let statementKeywords: Set<String> = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "CALL", "COMMIT",
        "ROLLBACK", "VALUES", "WITH", "SET", "DECLARE", "LOCK", "MERGE", "TRUNCATE", "COMMENT", "RENAME", "SAVEPOINT",
        "RELEASE", "REFRESH", "EXPLAIN", "CONNECT", "DISCONNECT",
    ]

    static func parse(_ text: String) throws -> SQLStatement {
        var parser = SQLParser(tokens: try SQLTokenizer.tokenize(text))
        return try parser.statement()
    }

    private init(tokens: [SQLToken]) { self.tokens = tokens }

    // MARK: Statements

    private mutating func statement() throws -> SQLStatement {
        guard let first = peek else { throw unexpected(expected: "SELECT") }
        let result: SQLStatement
        switch first.text {
        case "CREATE" where first.kind == .word:
            advance()
            try expectKeyword("TABLE")
            result = try createTable()
        case "DROP" where first.kind == .word:
            advance()
            try expectKeyword("TABLE")
            result = .dropTable(try qualifiedName())
        case "INSERT" where first.kind == .word:
            advance()
            result = try insert()
        case "SELECT" where first.kind == .word:
            result = .select(try select())
        case "DELETE" where first.kind == .word:
            advance()
            try expectKeyword("FROM")
            let table = try qualifiedName()
            var filter: Predicate?
            if acceptKeyword("WHERE") { filter = try predicate() }
            result = .delete(table, filter)
        case "GRANT" where first.kind == .word:
            advance()
            let (authorities, grantees) = try authorityClause(preposition: "TO")
            result = .grant(authorities, grantees)
        case "REVOKE" where first.kind == .word:
            advance()
            let (authorities, grantees) = try authorityClause(preposition: "FROM")
            _ = acceptKeyword("BY") && acceptKeyword("ALL")
            result = .revoke(authorities, grantees)
        case "CALL" where first.kind == .word:
            advance()
            result = try call()
        case "COMMIT" where first.kind == .word:
            advance()
            _ = acceptKeyword("WORK")
            result = .commit
        case "ROLLBACK" where first.kind == .word:
            advance()
            _ = acceptKeyword("WORK")
            result = .rollback
        default:
            throw unexpected(expected: "<space>")
        }
        _ = acceptSymbol(";")
        if peek != nil { throw unexpected(expected: "END-OF-STATEMENT") }
        return result
    }

    private mutating func createTable() throws -> SQLStatement {
        let name = try qualifiedName()
        try expectSymbol("(")
        var columns: [ColumnDefinition] = []
        repeat {
            if acceptKeyword("PRIMARY") {
                try expectKeyword("KEY")
                try skipParenthesized()
                continue
            }
            let columnName = try identifier()
            let type = try columnType()
            var nullable = true
            while true {
                if acceptKeyword("NOT") {
                    try expectKeyword("NULL")
                    nullable = false
                } else if acceptKeyword("PRIMARY") {
                    try expectKeyword("KEY")
                    nullable = false
                } else if acceptKeyword("WITH") {
                    try expectKeyword("DEFAULT")
                    if peek?.kind == .string || peek?.kind == .number { advance() }
                } else {
                    break
                }
            }
            columns.append(ColumnDefinition(name: columnName, type: type, nullable: nullable))
        } while acceptSymbol(",")
        try expectSymbol(")")
        if acceptKeyword("IN") { _ = try identifier() }
        return .createTable(name, columns)
    }

    private mutating func columnType() throws -> ColumnType {
        guard let token = peek, token.kind == .word else { throw unexpected(expected: "INTEGER") }
        advance()
        switch token.text {
        case "INTEGER", "INT": return .integer
        case "SMALLINT": return .smallint
        case "BIGINT": return .bigint
        case "TIMESTAMP": return .timestamp
        case "VARCHAR":
            return .varchar(try length(maximum: 32672))
        case "CHAR", "CHARACTER":
            if acceptKeyword("VARYING") { return .varchar(try length(maximum: 32672)) }
            return .char(peek?.isSymbol("(") == true ? try length(maximum: 254) : 1)
        default:
            index -= 1
            throw unexpected(expected: "INTEGER")
        }
    }

    private mutating func length(maximum: Int) throws -> Int {
        try expectSymbol("(")
        guard let token = peek, token.kind == .number, let value = Int(token.text), (1...maximum).contains(value) else {
            throw unexpected(expected: "<integer>")
        }
        advance()
        try expectSymbol(")")
        return value
    }

    private mutating func insert() throws -> SQLStatement {
        try expectKeyword("INTO")
        let table = try qualifiedName()
        var columns: [String]?
        if acceptSymbol("(") {
            var names: [String] = []
            repeat { names.append(try identifier()) } while acceptSymbol(",")
            try expectSymbol(")")
            columns = names
        }
        try expectKeyword("VALUES")
        var rows: [[SQLExpression]] = []
        repeat {
            if acceptSymbol("(") {
                var row: [SQLExpression] = []
                repeat { row.append(try valueExpression()) } while acceptSymbol(",")
                try expectSymbol(")")
                rows.append(row)
            } else {
                rows.append([try valueExpression()])
            }
        } while acceptSymbol(",")
        return .insert(table, columns: columns, rows: rows)
    }

    private mutating func select() throws -> SelectStatement {
        try expectKeyword("SELECT")
        _ = acceptKeyword("ALL")
        var items: [SelectItem] = []
        repeat {
            if acceptSymbol("*") {
                items.append(SelectItem(expression: nil, alias: nil))
                continue
            }
            let expression = try selectExpression()
            var alias: String?
            if acceptKeyword("AS") {
                alias = try identifier()
            } else if let token = peek, token.kind == .word || token.kind == .quotedIdentifier,
                token.text != "FROM"
            {
                alias = try identifier()
            }
            items.append(SelectItem(expression: expression, alias: alias))
        } while acceptSymbol(",")
        try expectKeyword("FROM")
        let table = try qualifiedName()
        if let token = peek, token.kind == .word,
            !["WHERE", "ORDER", "FETCH", "WITH", "FOR", "OPTIMIZE"].contains(token.text)
        {
            _ = try identifier()
        }
        var filter: Predicate?
        if acceptKeyword("WHERE") { filter = try predicate() }
        var order: [OrderItem] = []
        if acceptKeyword("ORDER") {
            try expectKeyword("BY")
            repeat {
                let key: OrderItem.Key
                if let token = peek, token.kind == .number, let position = Int(token.text) {
                    advance()
                    key = .position(position)
                } else {
                    key = .column(try columnReference())
                }
                var descending = false
                if acceptKeyword("DESC") { descending = true } else { _ = acceptKeyword("ASC") }
                order.append(OrderItem(key: key, descending: descending))
            } while acceptSymbol(",")
        }
        var limit: Int?
        if acceptKeyword("FETCH") {
            guard acceptKeyword("FIRST") || acceptKeyword("NEXT") else { throw unexpected(expected: "FIRST") }
            if let token = peek, token.kind == .number, let count = Int(token.text) {
                advance()
                limit = count
            } else {
                limit = 1
            }
            guard acceptKeyword("ROWS") || acceptKeyword("ROW") else { throw unexpected(expected: "ROWS") }
            try expectKeyword("ONLY")
        }
        if acceptKeyword("WITH") {
            guard let token = peek, token.kind == .word, ["UR", "CS", "RS", "RR"].contains(token.text) else {
                throw unexpected(expected: "UR")
            }
            advance()
        }
        return SelectStatement(items: items, table: table, filter: filter, order: order, limit: limit)
    }

    private mutating func authorityClause(preposition: String) throws -> ([Authority], [Grantee]) {
        var authorities: [Authority] = []
        repeat {
            guard let token = peek, token.kind == .word else { throw unexpected(expected: "CONNECT") }
            advance()
            var word = token.text
            if ["CREATE_EXTERNAL_ROUTINE", "CREATE_NOT_FENCED_ROUTINE", "IMPLICIT_SCHEMA", "QUIESCE_CONNECT"].contains(
                word)
            {
                authorities.append(Authority(rawValue: word)!)
                continue
            }
            if word == "CREATE", let next = peek, next.kind == .word {
                word += "_" + next.text
                advance()
            }
            guard let authority = Authority(rawValue: word) else {
                index -= 1
                throw unexpected(expected: "CONNECT")
            }
            authorities.append(authority)
            if authority == .dbadm, preposition == "TO" { authorities += try dbadmOptions() }
        } while acceptSymbol(",")
        try expectKeyword("ON")
        try expectKeyword("DATABASE")
        try expectKeyword(preposition)
        var grantees: [Grantee] = []
        repeat {
            var type = "U"
            if acceptKeyword("USER") {
                type = "U"
            } else if acceptKeyword("GROUP") {
                type = "G"
            } else if acceptKeyword("ROLE") {
                type = "R"
            }
            if type == "U", acceptKeyword("PUBLIC") {
                grantees.append(Grantee(type: "G", name: "PUBLIC"))
            } else {
                grantees.append(Grantee(type: type, name: try identifier()))
            }
        } while acceptSymbol(",")
        return (authorities, grantees)
    }

    /// The authorities `GRANT DBADM [WITH | WITHOUT DATAACCESS] [WITH | WITHOUT ACCESSCTRL]` grants besides DBADM:
    /// DATAACCESS and ACCESSCTRL unless `WITHOUT` names them (IBM, *GRANT (database authorities) statement*: both
    /// `WITH` forms are the defaults; *Database administration authority (DBADM)*: "If neither the WITH DATAACCESS
    /// or WITHOUT DATAACCESS options are specified, by default DATAACCESS authority is granted", same for ACCESSCTRL).
    private mutating func dbadmOptions() throws -> [Authority] {
        var dataAccess = true
        var accessControl = true
        while let token = peek, token.isKeyword("WITH") || token.isKeyword("WITHOUT") {
            advance()
            let with = token.isKeyword("WITH")
            if acceptKeyword("DATAACCESS") {
                dataAccess = with
            } else if acceptKeyword("ACCESSCTRL") {
                accessControl = with
            } else {
                throw unexpected(expected: "DATAACCESS")
            }
        }
        return (dataAccess ? [.dataaccess] : []) + (accessControl ? [.accessctrl] : [])
    }

    private mutating func call() throws -> SQLStatement {
        let procedure = try qualifiedName()
        var arguments: [SQLExpression] = []
        if acceptSymbol("(") {
            if !acceptSymbol(")") {
                repeat { arguments.append(try valueExpression()) } while acceptSymbol(",")
                try expectSymbol(")")
            }
        }
        return .call(procedure, arguments)
    }

    // MARK: Expressions

    private mutating func selectExpression() throws -> SQLExpression {
        if let token = peek, token.kind == .word, let function = AggregateFunction(rawValue: token.text),
            tokens.count > index + 1, tokens[index + 1].isSymbol("(")
        {
            advance()
            advance()
            var column: String?
            if acceptSymbol("*") {
                guard function == .count else { throw unexpected(expected: "<column>") }
            } else {
                column = try columnReference()
            }
            try expectSymbol(")")
            return .aggregate(function, column: column)
        }
        return try valueExpression()
    }

    private mutating func valueExpression() throws -> SQLExpression {
        guard let token = peek else { throw unexpected(expected: "<value>") }
        switch token.kind {
        case .string:
            advance()
            return .literal(.string(token.text))
        case .number:
            advance()
            guard let value = Int64(token.text) else { throw DB2Failure(DB2Message("SQL0413N")) }
            return .literal(.integer(value))
        case .symbol where token.text == "-" || token.text == "+":
            advance()
            guard let number = peek, number.kind == .number else { throw unexpected(expected: "<number>") }
            advance()
            guard let value = Int64(token.text == "-" ? "-" + number.text : number.text) else {
                throw DB2Failure(DB2Message("SQL0413N"))
            }
            return .literal(.integer(value))
        case .symbol where token.text == "?":
            advance()
            return .parameter
        case .word where token.text == "NULL":
            advance()
            return .literal(.null)
        case .word where token.text == "CURRENT_TIMESTAMP":
            advance()
            return .currentTimestamp
        case .word where token.text == "CURRENT":
            advance()
            guard acceptKeyword("TIMESTAMP") else { throw unexpected(expected: "TIMESTAMP") }
            return .currentTimestamp
        case .word, .quotedIdentifier:
            return .column(try columnReference())
        default:
            throw unexpected(expected: "<value>")
        }
    }

    private mutating func predicate() throws -> Predicate {
        var left = try conjunction()
        while acceptKeyword("OR") { left = .or(left, try conjunction()) }
        return left
    }

    private mutating func conjunction() throws -> Predicate {
        var left = try negation()
        while acceptKeyword("AND") { left = .and(left, try negation()) }
        return left
    }

    private mutating func negation() throws -> Predicate {
        if acceptKeyword("NOT") { return .not(try negation()) }
        if peek?.isSymbol("(") == true {
            let saved = index
            advance()
            if let inner = try? predicate(), acceptSymbol(")") { return inner }
            index = saved
        }
        let left = try valueExpression()
        if acceptKeyword("IS") {
            let negated = acceptKeyword("NOT")
            try expectKeyword("NULL")
            return .isNull(left, negated: negated)
        }
        let negated = acceptKeyword("NOT")
        if acceptKeyword("IN") {
            try expectSymbol("(")
            var values: [SQLExpression] = []
            repeat { values.append(try valueExpression()) } while acceptSymbol(",")
            try expectSymbol(")")
            return .inList(left, values, negated: negated)
        }
        if negated { throw unexpected(expected: "IN") }
        guard let token = peek, token.kind == .symbol, ["=", "<", ">", "<=", ">=", "<>"].contains(token.text) else {
            throw unexpected(expected: "=")
        }
        advance()
        return .comparison(left, token.text, try valueExpression())
    }

    // MARK: Names

    private mutating func qualifiedName() throws -> QualifiedName {
        let first = try identifier()
        if acceptSymbol(".") { return QualifiedName(schema: first, name: try identifier()) }
        return QualifiedName(schema: nil, name: first)
    }

    /// A column name; a table qualifier in front of it (`T.ID`) is dropped.
    private mutating func columnReference() throws -> String {
        var name = try identifier()
        while acceptSymbol(".") { name = try identifier() }
        return name
    }

    private mutating func identifier() throws -> String {
        guard let token = peek, token.kind == .word || token.kind == .quotedIdentifier else {
            throw unexpected(expected: "<identifier>")
        }
        advance()
        return token.text
    }

    private mutating func skipParenthesized() throws {
        try expectSymbol("(")
        var depth = 1
        while depth > 0 {
            guard let token = peek else { throw unexpected(expected: ")") }
            advance()
            if token.isSymbol("(") { depth += 1 }
            if token.isSymbol(")") { depth -= 1 }
        }
    }

    // MARK: Token handling

    private var peek: SQLToken? { index < tokens.count ? tokens[index] : nil }

    private mutating func advance() { index += 1 }

    private mutating func acceptKeyword(_ keyword: String) -> Bool {
        guard peek?.isKeyword(keyword) == true else { return false }
        advance()
        return true
    }

    private mutating func acceptSymbol(_ symbol: String) -> Bool {
        guard peek?.isSymbol(symbol) == true else { return false }
        advance()
        return true
    }

    private mutating func expectKeyword(_ keyword: String) throws {
        guard acceptKeyword(keyword) else { throw unexpected(expected: keyword) }
    }

    private mutating func expectSymbol(_ symbol: String) throws {
        guard acceptSymbol(symbol) else { throw unexpected(expected: symbol) }
    }

    /// SQL0104N naming the token at the current position (or END-OF-STATEMENT) and the one before it.
    private func unexpected(expected: String) -> DB2Failure {
        let previous = index > 0 ? tokens[index - 1].quoted : "BEGIN-OF-STATEMENT"
        if let token = peek { return DB2Failure(DB2Message("SQL0104N", token.quoted, previous, expected)) }
        return DB2Failure(DB2Message("SQL0104N", "END-OF-STATEMENT", previous, expected))
    }
}
