import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A change to a database, as it is written to the log and replayed by ROLLFORWARD. A transaction is a list of
/// operations applied together.
enum DatabaseOperation: Equatable, Sendable {
    case createTable(TableDefinition)
    case dropTable(schema: String, name: String)
    /// Framed rows (``RowCodec``) appended to a table.
    case insert(schema: String, name: String, rows: [UInt8], count: Int64)
    /// The table's rows replaced by these (DELETE rewrites the rows it keeps into a new data file).
    case replaceRows(schema: String, name: String, dataFile: String, rows: [UInt8], count: Int64)
    case grant(grantor: String, grantee: Grantee, authorities: [Authority])
    case revoke(grantee: Grantee, authorities: [Authority])

    // MARK: Encoding

    static func encode(_ operations: [DatabaseOperation]) -> [UInt8] {
        var writer = ByteWriter()
        writer.u32(UInt32(operations.count))
        for operation in operations {
            switch operation {
            case .createTable(let table):
                writer.u8(1)
                writer.lengthPrefixed(Array((try? JSONEncoder().encode(table)) ?? Data()))
            case .dropTable(let schema, let name):
                writer.u8(2)
                writer.string(schema)
                writer.string(name)
            case .insert(let schema, let name, let rows, let count):
                writer.u8(3)
                writer.string(schema)
                writer.string(name)
                writer.i64(count)
                writer.lengthPrefixed(rows)
            case .replaceRows(let schema, let name, let dataFile, let rows, let count):
                writer.u8(4)
                writer.string(schema)
                writer.string(name)
                writer.string(dataFile)
                writer.i64(count)
                writer.lengthPrefixed(rows)
            case .grant(let grantor, let grantee, let authorities):
                writer.u8(5)
                writer.string(grantor)
                writer.string(grantee.type)
                writer.string(grantee.name)
                writer.string(authorities.map(\.rawValue).joined(separator: ","))
            case .revoke(let grantee, let authorities):
                writer.u8(6)
                writer.string(grantee.type)
                writer.string(grantee.name)
                writer.string(authorities.map(\.rawValue).joined(separator: ","))
            }
        }
        return writer.bytes
    }

    /// - Throws: ``ByteReaderError`` or a decoding error for a damaged payload.
    static func decode(_ bytes: [UInt8]) throws -> [DatabaseOperation] {
        var reader = ByteReader(bytes)
        let count = try reader.u32()
        var operations: [DatabaseOperation] = []
        func authorities(_ text: String) -> [Authority] {
            text.split(separator: ",").compactMap { Authority(rawValue: String($0)) }
        }
        for _ in 0..<count {
            switch try reader.u8() {
            case 1:
                operations.append(
                    .createTable(try JSONDecoder().decode(TableDefinition.self, from: Data(try reader.lengthPrefixed()))))
            case 2:
                operations.append(.dropTable(schema: try reader.string(), name: try reader.string()))
            case 3:
                let schema = try reader.string(), name = try reader.string(), count = try reader.i64()
                operations.append(.insert(schema: schema, name: name, rows: try reader.lengthPrefixed(), count: count))
            case 4:
                let schema = try reader.string(), name = try reader.string(), file = try reader.string()
                let count = try reader.i64()
                operations.append(
                    .replaceRows(
                        schema: schema, name: name, dataFile: file, rows: try reader.lengthPrefixed(), count: count))
            case 5:
                let grantor = try reader.string()
                let grantee = Grantee(type: try reader.string(), name: try reader.string())
                operations.append(.grant(grantor: grantor, grantee: grantee, authorities: authorities(try reader.string())))
            case 6:
                let grantee = Grantee(type: try reader.string(), name: try reader.string())
                operations.append(.revoke(grantee: grantee, authorities: authorities(try reader.string())))
            case let tag:
                throw ByteReaderError(needed: Int(tag), offset: reader.offset, available: 0)
            }
        }
        return operations
    }

    // MARK: Applying

    /// Makes the change in the catalog (`state`) and in the data files.
    func apply(to state: inout DatabaseState, location: DatabaseLocation) throws {
        switch self {
        case .createTable(let table):
            var table = table
            table.dataLength = 0
            table.rowCount = 0
            try FileSystem.createDirectory(location.dataDirectory)
            let file = try RawFile(path: location.dataFile(table.dataFile), flags: O_RDWR | O_CREAT, mode: 0o600)
            try file.truncate(to: 0)
            state.tables.removeAll { $0.schema == table.schema && $0.name == table.name }
            state.tables.append(table)
            state.nextTableID = max(state.nextTableID, table.id + 1)
        case .dropTable(let schema, let name):
            guard let index = state.tables.firstIndex(where: { $0.schema == schema && $0.name == name }) else { return }
            state.filesToDelete.append(state.tables[index].dataFile)
            state.tables.remove(at: index)
        case .insert(let schema, let name, let rows, let count):
            guard let index = state.tables.firstIndex(where: { $0.schema == schema && $0.name == name }) else { return }
            let file = try RawFile(path: location.dataFile(state.tables[index].dataFile), flags: O_RDWR | O_CREAT)
            try file.write(rows, at: state.tables[index].dataLength)
            state.tables[index].dataLength += Int64(rows.count)
            state.tables[index].rowCount += count
        case .replaceRows(let schema, let name, let dataFile, let rows, let count):
            guard let index = state.tables.firstIndex(where: { $0.schema == schema && $0.name == name }) else { return }
            let file = try RawFile(path: location.dataFile(dataFile), flags: O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
            try file.write(rows, at: 0)
            state.filesToDelete.append(state.tables[index].dataFile)
            state.tables[index].dataFile = dataFile
            state.tables[index].dataLength = Int64(rows.count)
            state.tables[index].rowCount = count
        case .grant(let grantor, let grantee, let authorities):
            if let index = state.authorities.firstIndex(where: { $0.grantee == grantee.name && $0.granteeType == grantee.type }) {
                state.authorities[index].authorities.formUnion(authorities)
            } else {
                state.authorities.append(
                    AuthorityRow(
                        grantor: grantor, grantee: grantee.name, granteeType: grantee.type,
                        authorities: Set(authorities)))
            }
        case .revoke(let grantee, let authorities):
            guard let index = state.authorities.firstIndex(where: { $0.grantee == grantee.name && $0.granteeType == grantee.type })
            else { return }
            state.authorities[index].authorities.subtract(authorities)
            if state.authorities[index].authorities.isEmpty { state.authorities.remove(at: index) }
        }
    }
}
