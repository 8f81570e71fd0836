/// The records of a pax extended header (POSIX.1-2001): `"<length> <key>=<value>\n"`, where the length counts
/// the whole record including its own digits.
struct PaxRecords {
    private(set) var records: [(key: String, value: [UInt8])] = []
    /// Where the last record of each key is in `records`.
    private var lastIndex: [String: Int] = [:]
    /// Bytes of keys and values held: what a reader keeps in memory for them.
    private(set) var byteCount = 0

    mutating func append(_ key: String, _ value: [UInt8]) {
        lastIndex[key] = records.count
        records.append((key, value))
        byteCount += key.utf8.count + value.count
    }

    mutating func append(_ key: String, _ value: String) { append(key, Array(value.utf8)) }

    /// Applies `other`'s records over these: a key already here takes the new value (later pax records override
    /// earlier ones), so repeating a key does not grow what is kept.
    mutating func merge(_ other: PaxRecords) {
        for (key, value) in other.records {
            if let index = lastIndex[key] {
                byteCount += value.count - records[index].value.count
                records[index].value = value
            } else {
                append(key, value)
            }
        }
    }

    var isEmpty: Bool { records.isEmpty }

    /// The value of the last record with `key`.
    subscript(key: String) -> [UInt8]? { lastIndex[key].map { records[$0].value } }

    /// Encodes the records as the data of a pax header member.
    func encoded() -> [UInt8] {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = 1 + key.utf8.count + 1 + value.count + 1  // " key=value\n"
            var length = body + String(body).utf8.count
            if String(length).utf8.count != String(body).utf8.count { length = body + String(length).utf8.count }
            data += Array(String(length).utf8) + [0x20] + Array(key.utf8) + [0x3d] + value + [0x0a]
        }
        return data
    }

    /// Parses the data of a pax header member.
    ///
    /// - Throws: a description of the first malformed record.
    static func parse(_ data: [UInt8]) throws(PaxFormatError) -> PaxRecords {
        var result = PaxRecords()
        var position = 0
        while position < data.count {
            if data[position] == 0 { break }  // some writers pad the data with NULs
            guard let space = data[position...].firstIndex(of: 0x20),
                let length = Int(String(decoding: data[position..<space], as: UTF8.self)),
                length > space - position, length <= data.count - position, data[position + length - 1] == 0x0a
            else { throw PaxFormatError(reason: "malformed pax record at data byte \(position)") }
            let record = data[(space + 1)..<(position + length - 1)]
            guard let equals = record.firstIndex(of: 0x3d) else {
                throw PaxFormatError(reason: "pax record without '=' at data byte \(position)")
            }
            result.append(String(decoding: record[record.startIndex..<equals], as: UTF8.self), Array(record[(equals + 1)...]))
            position += length
        }
        return result
    }
}

struct PaxFormatError: Error {
    let reason: String
}
