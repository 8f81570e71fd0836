internal import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

/// Owns the C memory that one librabbitmq call borrows (strings as `amqp_bytes_t`, field tables), and frees it
/// when the call is done: create one per call, let it go out of scope after.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { for pointer in allocations { free(pointer) } }

    func bytes(_ string: String) -> amqp_bytes_t { bytes(Array(string.utf8)) }

    func bytes(_ source: [UInt8]) -> amqp_bytes_t {
        let pointer = allocate(max(source.count, 1))
        source.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: source.count) }
        return amqp_bytes_t(len: source.count, bytes: pointer)
    }

    /// A NUL-terminated copy, for the functions that take `char *`.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = Array(string.utf8CString)
        let pointer = allocate(utf8.count)
        utf8.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
        return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self))
    }

    func table(_ entries: AMQPTable) -> amqp_table_t {
        if entries.isEmpty { return amqp_empty_table }
        let raw = allocate(MemoryLayout<amqp_table_entry_t>.stride * entries.count)
        let typed = raw.bindMemory(to: amqp_table_entry_t.self, capacity: entries.count)
        for (index, (key, value)) in entries.enumerated() {
            typed[index] = amqp_table_entry_t(key: bytes(key), value: fieldValue(value))
        }
        return amqp_table_t(num_entries: Int32(entries.count), entries: typed)
    }

    private func fieldValue(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let string):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = bytes(string)
        case .int(let number):
            if let narrow = Int32(exactly: number) {
                field.kind = UInt8(AMQP_FIELD_KIND_I32.rawValue)
                field.value.i32 = narrow
            } else {
                field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
                field.value.i64 = number
            }
        case .bool(let flag):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            field.value.boolean = flag ? 1 : 0
        case .table(let nested):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            field.value.table = table(nested)
        }
        return field
    }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        guard let pointer = malloc(count) else { fatalError("out of memory allocating \(count) bytes") }
        allocations.append(pointer)
        return pointer
    }
}

extension amqp_bytes_t {
    /// A Swift copy of the bytes (librabbitmq reuses its buffers).
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: array, as: UTF8.self) }
}
