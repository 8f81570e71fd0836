import Foundation

/// Encodes rows for data files and log records: per row a u32 length, then per column a tag byte (0 NULL,
/// 1 integer, 2 string, 3 time stamp) and the value.
enum RowCodec {
    static func encode(_ row: [SQLValue]) -> [UInt8] {
        var body = ByteWriter(capacity: 16 * row.count)
        for value in row {
            switch value {
            case .null:
                body.u8(0)
            case .integer(let number):
                body.u8(1)
                body.i64(number)
            case .string(let text):
                body.u8(2)
                body.string(text)
            case .timestamp(let micros):
                body.u8(3)
                body.i64(micros)
            }
        }
        var framed = ByteWriter(capacity: body.bytes.count + 4)
        framed.lengthPrefixed(body.bytes)
        return framed.bytes
    }

    /// Decodes the framed rows in `bytes`, each with `columns` values.
    ///
    /// - Throws: ``ByteReaderError`` when the bytes end inside a row.
    static func decode(_ bytes: [UInt8], columns: Int) throws -> [[SQLValue]] {
        var reader = ByteReader(bytes)
        var rows: [[SQLValue]] = []
        while !reader.isAtEnd {
            var row = ByteReader(try reader.lengthPrefixed())
            var values: [SQLValue] = []
            values.reserveCapacity(columns)
            for _ in 0..<columns {
                switch try row.u8() {
                case 0: values.append(.null)
                case 1: values.append(.integer(try row.i64()))
                case 2: values.append(.string(try row.string()))
                case 3: values.append(.timestamp(try row.i64()))
                case let tag: throw ByteReaderError(needed: Int(tag), offset: row.offset, available: 0)
                }
            }
            rows.append(values)
        }
        return rows
    }
}
