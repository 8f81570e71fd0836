import Foundation

/// Catalog tables and administrative views the stand-in answers from its own state, and GET_DBSIZE_INFO.
enum SystemViews {
    /// The rows of a system table or view, or nil when `name` is none of them.
    static func table(
        _ name: QualifiedName, state: DatabaseState, store: DatabaseStore
    ) -> (columns: [ColumnDefinition], rows: [[SQLValue]])? {
        switch (name.schema ?? "", name.name) {
        case ("SYSIBM", "SYSDBAUTH"), ("SYSCAT", "DBAUTH"):
            return databaseAuthorities(state)
        case ("SYSIBMADM", "LOG_UTILIZATION"):
            return logUtilization(state, store: store)
        case ("SYSIBM", "SYSDUMMY1"):
            return ([ColumnDefinition(name: "IBMREQD", type: .char(1), nullable: false)], [[.string("Y")]])
        case ("SYSCAT", "TABLES"), ("SYSIBM", "SYSTABLES"):
            let columns = [
                ColumnDefinition(name: "TABSCHEMA", type: .varchar(128), nullable: false),
                ColumnDefinition(name: "TABNAME", type: .varchar(128), nullable: false),
                ColumnDefinition(name: "TYPE", type: .char(1), nullable: false),
                ColumnDefinition(name: "CARD", type: .bigint, nullable: false),
                ColumnDefinition(name: "COLCOUNT", type: .smallint, nullable: false),
            ]
            let rows: [[SQLValue]] = state.tables.map {
                [.string($0.schema), .string($0.name), .string("T"), .integer($0.rowCount), .integer(Int64($0.columns.count))]
            }
            return (columns, rows)
        default:
            return nil
        }
    }

    /// The authority columns of SYSIBM.SYSDBAUTH, in order, with the authority each stands for.
    private static let authorityColumns: [(String, Authority?)] = [
        ("DBADMAUTH", .dbadm), ("CREATETABAUTH", .createtab), ("BINDADDAUTH", .bindadd), ("CONNECTAUTH", .connect),
        ("NOFENCEAUTH", .createNotFenced), ("IMPLSCHEMAAUTH", .implicitSchema), ("LOADAUTH", .load),
        ("EXTERNALROUTINEAUTH", .createExternalRoutine), ("QUIESCECONNECTAUTH", .quiesceConnect),
        ("LIBRARYADMAUTH", nil), ("SECURITYADMAUTH", .secadm), ("SQLADMAUTH", .sqladm), ("WLMADMAUTH", .wlmadm),
        ("EXPLAINAUTH", .explain), ("DATAACCESSAUTH", .dataaccess), ("ACCESSCTRLAUTH", .accessctrl),
        ("CREATESECUREAUTH", .createSecure),
    ]

    private static func databaseAuthorities(_ state: DatabaseState) -> ([ColumnDefinition], [[SQLValue]]) {
        var columns = [
            ColumnDefinition(name: "GRANTOR", type: .varchar(128), nullable: false),
            ColumnDefinition(name: "GRANTORTYPE", type: .char(1), nullable: false),
            ColumnDefinition(name: "GRANTEE", type: .varchar(128), nullable: false),
            ColumnDefinition(name: "GRANTEETYPE", type: .char(1), nullable: false),
        ]
        columns += authorityColumns.map { ColumnDefinition(name: $0.0, type: .char(1), nullable: false) }
        let rows: [[SQLValue]] = state.authorities.map { row in
            var values: [SQLValue] = [
                .string(row.grantor), .string(row.grantor == "SYSIBM" ? "S" : "U"), .string(row.grantee),
                .string(row.granteeType),
            ]
            for (_, authority) in authorityColumns {
                values.append(.string(authority.map { row.authorities.contains($0) } == true ? "Y" : "N"))
            }
            return values
        }
        return (columns, rows)
    }

    /// Bytes of log written and not yet archived (with archive logging) or in the current file (circular logging).
    static func logBytesUsed(_ state: DatabaseState, store: DatabaseStore) -> Int64 {
        var used = state.log.position.offset - LogFile.headerSize
        if state.effectiveArchiveMethod != "OFF" {
            var file = state.log.archivedThrough + 1
            while file < state.log.position.file {
                if let size = FileSystem.fileSize(store.location.logFile(file)) { used += size - LogFile.headerSize }
                file += 1
            }
        }
        return used
    }

    private static func logUtilization(
        _ state: DatabaseState, store: DatabaseStore
    ) -> ([ColumnDefinition], [[SQLValue]]) {
        let usedKB = (logBytesUsed(state, store: store) + 1023) / 1024
        let files = Int64(state.configurationInteger("LOGPRIMARY") + max(0, state.configurationInteger("LOGSECOND")))
        let totalKB = files * Int64(state.configurationInteger("LOGFILSIZ")) * 4
        let availableKB = max(0, totalKB - usedKB)
        let percent = totalKB > 0 ? (usedKB * 10000 + totalKB / 2) / totalKB : 0
        let columns = [
            ColumnDefinition(name: "DB_NAME", type: .varchar(128), nullable: true),
            ColumnDefinition(name: "LOG_UTILIZATION_PERCENT", type: .decimal(precision: 5, scale: 2), nullable: true),
            ColumnDefinition(name: "TOTAL_LOG_USED_KB", type: .bigint, nullable: true),
            ColumnDefinition(name: "TOTAL_LOG_AVAILABLE_KB", type: .bigint, nullable: true),
            ColumnDefinition(name: "TOTAL_LOG_USED_TOP_KB", type: .bigint, nullable: true),
            ColumnDefinition(name: "DBPARTITIONNUM", type: .smallint, nullable: true),
            ColumnDefinition(name: "MEMBER", type: .smallint, nullable: true),
        ]
        let row: [SQLValue] = [
            .string(state.name), .integer(percent), .integer(usedKB), .integer(availableKB), .integer(usedKB),
            .integer(0), .integer(0),
        ]
        return (columns, [row])
    }

    /// The output of `CALL GET_DBSIZE_INFO(?, ?, ?, n)`: snapshot time, database size and capacity in bytes.
    static func databaseSizeInfo(_ state: DatabaseState, store: DatabaseStore) -> String {
        let size = store.size(of: state)
        let capacity = size + FileSystem.space(at: store.location.root).free
        let parameters: [(String, String)] = [
            ("SNAPSHOTTIMESTAMP", DB2Time.timestamp(DB2Time.now(), local: true)),
            ("DATABASESIZE", String(size)),
            ("DATABASECAPACITY", String(capacity)),
        ]
        var lines = ["", "  Value of output parameters", "  --------------------------"]
        for (index, (name, value)) in parameters.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("  Parameter Name  : \(name)")
            lines.append("  Parameter Value : \(value)")
        }
        lines += ["", "  Return Status = 0", ""]
        return lines.map { $0 + "\n" }.joined()
    }
}
