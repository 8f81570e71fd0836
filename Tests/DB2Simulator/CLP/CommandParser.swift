import Foundation

/// Recognizes CLP commands by their first words and parses them; text that is no CLP command is SQL.
enum CommandParser {
    /// - Throws: ``DB2Failure`` SQL0104N for a CLP command with a syntax error.
    static func parse(_ text: String) throws -> CLPCommand {
        var words = CommandWords(text)
        guard let first = words.upper() else { return .sql(text) }
        switch first {
        case "CONNECT":
            return try connect(&words)
        case "TERMINATE":
            _ = words.next()
            try words.expectEnd()
            return .terminate
        case "QUIT":
            _ = words.next()
            return .quit
        case "CREATE" where isDatabaseWord(words.upper(at: 1)):
            return try createDatabase(&words)
        case "DROP" where isDatabaseWord(words.upper(at: 1)):
            words.skip(2)
            let name = try databaseName(&words)
            if words.accept(["AT", "DBPARTITIONNUM"]) {}
            try words.expectEnd()
            return .dropDatabase(name)
        case "ACTIVATE", "DEACTIVATE":
            _ = words.next()
            guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
            let name = try databaseName(&words)
            _ = words.accept("FORCE")
            try words.expectEnd()
            return first == "ACTIVATE" ? .activateDatabase(name) : .deactivateDatabase(name)
        case "LIST":
            return try list(&words)
        case "GET":
            return try getConfiguration(&words)
        case "UPDATE" where isDatabaseWord(words.upper(at: 1)) || words.upper(at: 1) == "DBM":
            return try updateConfiguration(&words)
        case "BACKUP":
            return .backup(try backup(&words))
        case "RESTORE":
            return .restore(try restore(&words))
        case "ROLLFORWARD":
            return .rollforward(try rollforward(&words))
        case "ARCHIVE" where words.upper(at: 1) == "LOG":
            return try archiveLog(&words)
        case "FORCE":
            return try force(&words)
        case "QUIESCE", "UNQUIESCE":
            return try quiesce(&words)
        case "DB2START", "START":
            _ = words.next()
            if first == "START" {
                guard words.accept(["DATABASE", "MANAGER"]) || words.accept(["DB", "MANAGER"]) || words.accept("DBM")
                else { throw words.unexpected(expected: "DATABASE") }
            }
            try words.expectEnd()
            return .startDatabaseManager
        case "DB2STOP", "STOP":
            _ = words.next()
            if first == "STOP" {
                guard words.accept(["DATABASE", "MANAGER"]) || words.accept(["DB", "MANAGER"]) || words.accept("DBM")
                else { throw words.unexpected(expected: "DATABASE") }
            }
            let force = words.accept("FORCE")
            try words.expectEnd()
            return .stopDatabaseManager(force: force)
        default:
            return .sql(text)
        }
    }

    private static func isDatabaseWord(_ word: String?) -> Bool { word == "DATABASE" || word == "DB" }

    /// A database name or alias as the CLP folds it (upper case, unless quoted).
    private static func databaseName(_ words: inout CommandWords) throws -> String {
        let word = try words.value(expected: "<database-alias>")
        return word.quoted ? word.text : word.upper
    }

    private static func connect(_ words: inout CommandWords) throws -> CLPCommand {
        _ = words.next()
        if words.isAtEnd { return .showConnection }
        if words.accept("RESET") {
            try words.expectEnd()
            return .connectReset
        }
        try words.expect("TO")
        let name = try databaseName(&words)
        _ = words.accept(["IN", "SHARE", "MODE"]) || words.accept(["IN", "EXCLUSIVE", "MODE"])
        var user: String?
        if words.accept("USER") {
            user = try words.value(expected: "<user>").upper
            if words.accept("USING") { _ = try words.value(expected: "<password>") }
        }
        try words.expectEnd()
        return .connect(database: name, user: user)
    }

    private static func createDatabase(_ words: inout CommandWords) throws -> CLPCommand {
        words.skip(2)
        let name = try words.value(expected: "<database-name>")
        var path: String?
        var codeset: String?
        var territory: String?
        while !words.isAtEnd {
            if words.accept(["AUTOMATIC", "STORAGE"]) {
                _ = try words.value(expected: "YES")
            } else if words.accept("ON") {
                path = try words.value(expected: "<path>").text
                while words.accept(",") { _ = try words.value(expected: "<path>") }
                if words.accept(["DBPATH", "ON"]) { path = try words.value(expected: "<path>").text }
            } else if words.accept("ALIAS") {
                _ = try words.value(expected: "<alias>")
            } else if words.accept(["USING", "CODESET"]) {
                codeset = try words.value(expected: "<codeset>").text
                if words.accept("TERRITORY") { territory = try words.value(expected: "<territory>").upper }
            } else if words.accept(["COLLATE", "USING"]) {
                _ = try words.value(expected: "<collation>")
            } else if words.accept("PAGESIZE") {
                _ = try words.value(expected: "<pagesize>")
                _ = words.accept("K")
            } else if words.accept("RESTRICTIVE") {
            } else {
                throw words.unexpected(expected: "ON")
            }
        }
        return .createDatabase(name: name.text, path: path, codeset: codeset, territory: territory)
    }

    private static func list(_ words: inout CommandWords) throws -> CLPCommand {
        _ = words.next()
        if words.accept(["DATABASE", "DIRECTORY"]) || words.accept(["DB", "DIRECTORY"]) {
            try words.expectEnd()
            return .listDatabaseDirectory
        }
        if words.accept("APPLICATIONS") {
            if words.accept("FOR") {
                guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
                _ = try words.value(expected: "<database-alias>")
            }
            let detail = words.accept(["SHOW", "DETAIL"])
            try words.expectEnd()
            return .listApplications(showDetail: detail)
        }
        if words.accept("UTILITIES") {
            let detail = words.accept(["SHOW", "DETAIL"])
            try words.expectEnd()
            return .listUtilities(showDetail: detail)
        }
        if words.accept(["ACTIVE", "DATABASES"]) {
            try words.expectEnd()
            return .listActiveDatabases
        }
        throw words.unexpected(expected: "DATABASE")
    }

    /// `CONFIGURATION`, `CONFIG` or `CFG`.
    private static func acceptConfiguration(_ words: inout CommandWords) -> Bool {
        words.accept("CONFIGURATION") || words.accept("CONFIG") || words.accept("CFG")
    }

    /// `DATABASE MANAGER`, `DB MANAGER` or `DBM`.
    private static func acceptManager(_ words: inout CommandWords) -> Bool {
        words.accept(["DATABASE", "MANAGER"]) || words.accept(["DB", "MANAGER"]) || words.accept("DBM")
    }

    private static func getConfiguration(_ words: inout CommandWords) throws -> CLPCommand {
        _ = words.next()
        if words.accept(["SNAPSHOT", "FOR"]) {
            guard acceptManager(&words) else { throw words.unexpected(expected: "DATABASE MANAGER") }
            try words.expectEnd()
            return .snapshotDatabaseManager
        }
        if acceptManager(&words) {
            guard acceptConfiguration(&words) else { throw words.unexpected(expected: "CONFIGURATION") }
            _ = words.accept(["SHOW", "DETAIL"])
            try words.expectEnd()
            return .getDatabaseManagerConfiguration
        }
        guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
        guard acceptConfiguration(&words) else { throw words.unexpected(expected: "CONFIGURATION") }
        var database: String?
        if words.accept("FOR") { database = try databaseName(&words) }
        _ = words.accept(["SHOW", "DETAIL"])
        try words.expectEnd()
        return .getDatabaseConfiguration(database: database)
    }

    private static func updateConfiguration(_ words: inout CommandWords) throws -> CLPCommand {
        _ = words.next()
        if acceptManager(&words) {
            guard acceptConfiguration(&words) else { throw words.unexpected(expected: "CONFIGURATION") }
            return .updateDatabaseManagerConfiguration(changes: try configurationChanges(&words))
        }
        guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
        guard acceptConfiguration(&words) else { throw words.unexpected(expected: "CONFIGURATION") }
        var database: String?
        if words.accept("FOR") { database = try databaseName(&words) }
        return .updateDatabaseConfiguration(database: database, changes: try configurationChanges(&words))
    }

    /// `USING name value [AUTOMATIC|MANUAL] ... [IMMEDIATE|DEFERRED]`.
    private static func configurationChanges(_ words: inout CommandWords) throws -> [ConfigurationChange] {
        try words.expect("USING")
        var changes: [ConfigurationChange] = []
        while !words.isAtEnd {
            if words.accept("IMMEDIATE") || words.accept("DEFERRED") {
                try words.expectEnd()
                break
            }
            let name = try words.value(expected: "<config-parameter>").upper
            let value = try words.value(expected: "<value>")
            var automatic = false
            if words.accept("AUTOMATIC") {
                automatic = true
            } else {
                _ = words.accept("MANUAL")
            }
            changes.append(ConfigurationChange(name: name, value: value.text, automatic: automatic))
        }
        guard !changes.isEmpty else { throw words.unexpected(expected: "<config-parameter>") }
        return changes
    }

    private static func skipUser(_ words: inout CommandWords) throws {
        if words.accept("USER") {
            _ = try words.value(expected: "<user>")
            if words.accept("USING") { _ = try words.value(expected: "<password>") }
        }
    }

    /// `WITH n BUFFERS`, `BUFFER n`, `PARALLELISM n`: tuning BACKUP and RESTORE accept and the stand-in ignores.
    private static func skipTuning(_ words: inout CommandWords) throws -> Bool {
        if words.accept("WITH") {
            _ = try words.value(expected: "<num-buffers>")
            try words.expect("BUFFERS")
            return true
        }
        guard words.accept("BUFFER") || words.accept("PARALLELISM") else { return false }
        _ = try words.value(expected: "<number>")
        return true
    }

    /// A directory list: `dir [, dir ...]`.
    private static func paths(_ words: inout CommandWords) throws -> [String] {
        var result = [try words.value(expected: "<directory>").text]
        while words.accept(",") { result.append(try words.value(expected: "<directory>").text) }
        return result
    }

    /// `BACKUP|RESTORE|ROLLFORWARD DATABASE|DB alias [USER u [USING p]]`: the alias.
    private static func utilityDatabase(_ words: inout CommandWords) throws -> String {
        _ = words.next()
        guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
        let name = try databaseName(&words)
        try skipUser(&words)
        return name
    }

    private static func backup(_ words: inout CommandWords) throws -> BackupRequest {
        var request = BackupRequest(database: try utilityDatabase(&words))
        while !words.isAtEnd {
            if words.accept("ONLINE") {
                request.online = true
            } else if words.accept("INCREMENTAL") {
                request.kind = words.accept("DELTA") ? .delta : .incremental
            } else if words.accept("TO") {
                request.targets = try paths(&words)
            } else if try skipTuning(&words) {
            } else if words.accept("UTIL_IMPACT_PRIORITY") {
                if let next = words.upper(), Int(next) != nil { _ = words.next() }
            } else if words.accept("COMPRESS") || words.accept("ENCRYPT") {
                while words.accept("COMPRLIB") || words.accept("COMPROPTS") || words.accept("ENCRLIB")
                    || words.accept("ENCROPTS")
                {
                    _ = try words.value(expected: "<name>")
                }
            } else if words.accept(["INCLUDE", "LOGS"]) {
                request.includeLogs = true
            } else if words.accept(["EXCLUDE", "LOGS"]) {
                request.includeLogs = false
            } else if words.accept(["WITHOUT", "PROMPTING"]) {
                request.withoutPrompting = true
            } else {
                throw words.unexpected(expected: "TO")
            }
        }
        return request
    }

    private static func restore(_ words: inout CommandWords) throws -> RestoreRequest {
        var request = RestoreRequest(database: try utilityDatabase(&words))
        while !words.isAtEnd {
            if words.accept("LOGS") {
                request.logsOnly = true
            } else if words.accept("INCREMENTAL") {
                request.incremental = true
                if words.accept("AUTOMATIC") || words.accept("AUTO") {
                    request.incrementalAutomatic = true
                } else if words.accept("ABORT") {
                    request.incrementalAbort = true
                }
            } else if words.accept("FROM") {
                request.sources = try paths(&words)
            } else if words.accept(["TAKEN", "AT"]) {
                request.takenAt = try words.value(expected: "<date-time>").text
            } else if words.accept("TO") || words.accept(["DBPATH", "ON"]) {
                request.onPath = try words.value(expected: "<directory>").text
            } else if words.accept("INTO") {
                request.into = try databaseName(&words)
            } else if words.accept("LOGTARGET") {
                request.logTarget = try words.value(expected: "<directory>").text
            } else if words.accept("NEWLOGPATH") {
                _ = try words.value(expected: "<directory>")
            } else if try skipTuning(&words) {
            } else if words.accept(["REPLACE", "HISTORY", "FILE"]) {
            } else if words.accept(["REPLACE", "EXISTING"]) {
                request.replaceExisting = true
            } else if words.accept(["WITHOUT", "ROLLING", "FORWARD"]) {
                request.withoutRollingForward = true
            } else if words.accept(["WITHOUT", "PROMPTING"]) {
                request.withoutPrompting = true
            } else {
                throw words.unexpected(expected: "FROM")
            }
        }
        return request
    }

    private static func rollforward(_ words: inout CommandWords) throws -> RollforwardRequest {
        var request = RollforwardRequest(database: try utilityDatabase(&words))
        func completion(_ words: inout CommandWords) {
            _ = words.accept(["ON", "ALL", "DBPARTITIONNUMS"])
            if words.accept(["AND", "COMPLETE"]) || words.accept(["AND", "STOP"]) { request.complete = true }
        }
        if words.accept("TO") {
            if words.accept(["END", "OF", "LOGS"]) {
                request.stopPoint = .endOfLogs
            } else if words.accept(["END", "OF", "BACKUP"]) {
                request.stopPoint = .endOfBackup
            } else {
                let time = try words.value(expected: "END").text
                var local = false
                if words.accept(["USING", "LOCAL", "TIME"]) {
                    local = true
                    request.showLocalTime = true
                } else {
                    _ = words.accept(["USING", "UTC", "TIME"])
                }
                request.stopPoint = .time(time, local: local)
            }
            completion(&words)
        } else if words.accept("COMPLETE") || words.accept("STOP") {
            request.complete = true
        } else if words.accept("CANCEL") {
            request.cancel = true
        } else if words.accept(["QUERY", "STATUS"]) {
            request.queryStatus = true
            if words.accept(["USING", "LOCAL", "TIME"]) {
                request.showLocalTime = true
            } else {
                _ = words.accept(["USING", "UTC", "TIME"])
            }
        } else {
            throw words.unexpected(expected: "TO")
        }
        while !words.isAtEnd {
            if words.accept(["OVERFLOW", "LOG", "PATH"]) {
                try words.expect("(")
                request.overflowLogPaths = try paths(&words)
                try words.expect(")")
            } else if words.accept("NORETRIEVE") {
            } else {
                throw words.unexpected(expected: "OVERFLOW")
            }
        }
        return request
    }

    /// `ARCHIVE LOG FOR DATABASE|DB alias [USER u [USING p]] [ON ALL DBPARTITIONNUMS | ON DBPARTITIONNUM(S) (n
    /// [TO m], ...)]` (IBM, *ARCHIVE LOG command*, https://www.ibm.com/docs/en/db2/11.5.x?topic=commands-archive-log).
    /// The partition clause is accepted and has no effect: the stand-in has one partition.
    private static func archiveLog(_ words: inout CommandWords) throws -> CLPCommand {
        words.skip(2)
        try words.expect("FOR")
        guard words.accept("DATABASE") || words.accept("DB") else { throw words.unexpected(expected: "DATABASE") }
        let name = try databaseName(&words)
        try skipUser(&words)
        if words.accept("ON") {
            if words.accept(["ALL", "DBPARTITIONNUMS"]) {
                if words.accept("EXCEPT") { try partitionList(&words) }
            } else {
                try partitionList(&words)
            }
        }
        try words.expectEnd()
        return .archiveLog(database: name)
    }

    /// `DBPARTITIONNUM|DBPARTITIONNUMS (n [TO m], ...)`.
    private static func partitionList(_ words: inout CommandWords) throws {
        guard words.accept("DBPARTITIONNUM") || words.accept("DBPARTITIONNUMS") else {
            throw words.unexpected(expected: "DBPARTITIONNUM")
        }
        try words.expect("(")
        repeat {
            guard Int(try words.value(expected: "<db-partition-number>").text) != nil else {
                throw words.unexpected(expected: "<db-partition-number>")
            }
            if words.accept("TO") {
                guard Int(try words.value(expected: "<db-partition-number>").text) != nil else {
                    throw words.unexpected(expected: "<db-partition-number>")
                }
            }
        } while words.accept(",")
        try words.expect(")")
    }

    private static func force(_ words: inout CommandWords) throws -> CLPCommand {
        _ = words.next()
        try words.expect("APPLICATION")
        if words.accept("ALL") {
            _ = words.accept(["MODE", "ASYNC"])
            try words.expectEnd()
            return .forceApplications(all: true, handles: [])
        }
        try words.expect("(")
        var handles: [Int] = []
        repeat {
            guard let handle = Int(try words.value(expected: "<application-handle>").text) else {
                throw words.unexpected(expected: "<application-handle>")
            }
            handles.append(handle)
        } while words.accept(",")
        try words.expect(")")
        _ = words.accept(["MODE", "ASYNC"])
        try words.expectEnd()
        return .forceApplications(all: false, handles: handles)
    }

    private static func quiesce(_ words: inout CommandWords) throws -> CLPCommand {
        let verb = words.next()!.upper
        try words.expect("INSTANCE")
        let name = try words.value(expected: "<instance-name>").text
        if verb == "UNQUIESCE" {
            try words.expectEnd()
            return .unquiesceInstance(name: name)
        }
        if words.accept("USER") || words.accept("GROUP") { _ = try words.value(expected: "<name>") }
        let restricted = words.accept(["RESTRICTED", "ACCESS"])
        guard words.accept("IMMEDIATE") || words.accept("DEFER") else { throw words.unexpected(expected: "IMMEDIATE") }
        if words.accept(["WITH", "TIMEOUT"]) { _ = try words.value(expected: "<minutes>") }
        let force = words.accept(["FORCE", "CONNECTIONS"])
        try words.expectEnd()
        return .quiesceInstance(name: name, restrictedAccess: restricted, forceConnections: force)
    }
}

extension CommandWords {
    fileprivate mutating func skip(_ count: Int) {
        for _ in 0..<count { _ = next() }
    }
}
