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
}
