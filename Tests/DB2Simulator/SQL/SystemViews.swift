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
        case ("SYSIBMADM", "LOG_UTILIZATION"), ("SYSIBMADM", "MON_TRANSACTION_LOG_UTILIZATION"):
            return logUtilization(state)
        case ("SYSIBMADM", "DB_HISTORY"):
            return history(state)
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

    /// `SYSIBMADM.MON_TRANSACTION_LOG_UTILIZATION` and its deprecated predecessor `LOG_UTILIZATION` (same columns;
    /// IBM, *MON_TRANSACTION_LOG_UTILIZATION administrative view*,
    /// https://www.ibm.com/support/knowledgecenter/en/SSEPGG_11.1.0/com.ibm.db2.luw.sql.rtn.doc/doc/r0060791.html;
    /// *Deprecated SQL administrative routines and views*,
    /// https://www.ibm.com/docs/SSEPGG_11.5.0/com.ibm.db2.luw.sql.rtn.doc/doc/r0023171.html).
    ///
    /// TOTAL_LOG_USED_KB is the active log space held by uncommitted work (its complement, total_log_available, is
    /// the active log space "not being used by uncommitted transactions": IBM *Total Log Available monitor
    /// element*). Every statement of the stand-in commits, so no work is ever open between statements: 0.
    private static func logUtilization(_ state: DatabaseState) -> ([ColumnDefinition], [[SQLValue]]) {
        let usedKB: Int64 = 0
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

    /// `SYSIBMADM.DB_HISTORY`: the recovery history file, one row per entry (IBM, *DB_HISTORY administrative view*,
    /// https://www.ibm.com/support/knowledgecenter/en/SSEPGG_11.1.0/com.ibm.db2.luw.sql.rtn.doc/doc/r0022351.html;
    /// the OPERATION and OPERATIONTYPE letters as LIST HISTORY lists them). The columns are IBM's, in IBM's order,
    /// without the CLOB ones (CMD_TEXT, TBSPNAMES) and the SQLCA fields past SQLSTATE; an entry recorded without an
    /// SQLCA (every successful operation) has NULL in the SQLCA columns [mem].
    private static func history(_ state: DatabaseState) -> ([ColumnDefinition], [[SQLValue]]) {
        let columns = [
            ColumnDefinition(name: "DBPARTITIONNUM", type: .smallint, nullable: true),
            ColumnDefinition(name: "EID", type: .bigint, nullable: true),
            ColumnDefinition(name: "START_TIME", type: .varchar(14), nullable: true),
            ColumnDefinition(name: "SEQNUM", type: .smallint, nullable: true),
            ColumnDefinition(name: "END_TIME", type: .varchar(14), nullable: true),
            ColumnDefinition(name: "NUM_LOG_ELEMS", type: .integer, nullable: true),
            ColumnDefinition(name: "FIRSTLOG", type: .varchar(254), nullable: true),
            ColumnDefinition(name: "LASTLOG", type: .varchar(254), nullable: true),
            ColumnDefinition(name: "BACKUP_ID", type: .varchar(24), nullable: true),
            ColumnDefinition(name: "TABSCHEMA", type: .varchar(128), nullable: true),
            ColumnDefinition(name: "TABNAME", type: .varchar(128), nullable: true),
            ColumnDefinition(name: "COMMENT", type: .varchar(254), nullable: true),
            ColumnDefinition(name: "NUM_TBSPS", type: .integer, nullable: true),
            ColumnDefinition(name: "OPERATION", type: .char(1), nullable: true),
            ColumnDefinition(name: "OPERATIONTYPE", type: .char(1), nullable: true),
            ColumnDefinition(name: "OBJECTTYPE", type: .char(1), nullable: true),
            ColumnDefinition(name: "LOCATION", type: .varchar(255), nullable: true),
            ColumnDefinition(name: "DEVICETYPE", type: .char(1), nullable: true),
            ColumnDefinition(name: "ENTRY_STATUS", type: .char(1), nullable: true),
            ColumnDefinition(name: "SQLCAID", type: .varchar(8), nullable: true),
            ColumnDefinition(name: "SQLCABC", type: .integer, nullable: true),
            ColumnDefinition(name: "SQLCODE", type: .integer, nullable: true),
            ColumnDefinition(name: "SQLERRML", type: .smallint, nullable: true),
            ColumnDefinition(name: "SQLERRMC", type: .varchar(70), nullable: true),
            ColumnDefinition(name: "SQLERRP", type: .varchar(8), nullable: true),
            ColumnDefinition(name: "SQLSTATE", type: .varchar(5), nullable: true),
        ]
        func text(_ value: String?) -> SQLValue { value.map { .string($0) } ?? .null }
        let rows: [[SQLValue]] = (state.history ?? []).map { entry in
            let sqlca: SQLValue = entry.sqlcode == nil ? .null : .string("SQLCA")
            return [
                .integer(0), .integer(entry.eid), .string(entry.startTime), .integer(1), .string(entry.endTime),
                .integer(0), text(entry.firstLog), text(entry.lastLog), text(entry.backupID), .null, .null,
                .string(entry.comment), .integer(entry.operation == "B" ? 2 : 0), .string(entry.operation),
                .string(entry.operationType), .string("D"), .string(entry.location), .string(entry.deviceType),
                .string("A"), sqlca, entry.sqlcode == nil ? .null : .integer(136),
                entry.sqlcode.map { .integer(Int64($0)) } ?? .null, .null, .null, .null, .null,
            ]
        }
        return (columns, rows)
    }
}
