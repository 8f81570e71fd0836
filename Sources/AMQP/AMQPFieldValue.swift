/// A value in an AMQP field table (queue arguments, client properties, message headers).
public indirect enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    /// Encoded as a 32-bit signed integer (`I`) when it fits, as py-amqp does, else 64-bit (`l`).
    case int(Int64)
    case bool(Bool)
    case table([(String, AMQPFieldValue)])

    public static func == (lhs: AMQPFieldValue, rhs: AMQPFieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.table(let a), .table(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }
}

/// An ordered AMQP field table.
public typealias AMQPTable = [(String, AMQPFieldValue)]
