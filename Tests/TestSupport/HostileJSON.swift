import AgentSupport

/// A deterministic random source (SplitMix64), so that a fuzz run is the same run every time.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and extreme JSON for fuzz tests: numbers beyond every integer type and infinities (written as JSON text
/// such as `1e400`, which a parser reads as ±inf), wrong types, deep nesting, long strings, control characters,
/// lone surrogates and invalid UTF-8.
public struct HostileJSON {
    public var random: SeededRandom

    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// Number texts that break naive conversions.
    public static let extremeNumbers = [
        "1e400", "-1e400", "99999999999999999999", "-99999999999999999999", "3e20", "-3e20", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "1e-400", "-0", "0.5", "1.7976931348623157e308", "4e-320",
        "18446744073709551616", "2147483648", "-1", "0",
    ]

    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// A JSON number as text.
    public mutating func numberText() -> String {
        chance(60) ? pick(Self.extremeNumbers) : String(Int64.random(in: .min ... .max, using: &random))
    }

    /// A JSON string literal (quotes included), sometimes long, with escapes, control characters and lone
    /// surrogates.
    public mutating func stringText() -> String {
        let pieces = [
            "a", "Z", "_", " ", "\\n", "\\r", "\\t", "\\u0000", "\\u001b[2J", "\\ud800", "\\udc00", "\\ud83d\\ude00",
            "\\\"", "\\\\", "é", "\u{2028}", "SYSCAT", "reply_", "$(reboot)", "'; DROP", "../..", "%00",
        ]
        var text = "\""
        let length = chance(3) ? Int.random(in: 10_000...200_000, using: &random) : Int.random(in: 0...12, using: &random)
        if length > 100 {
            text += String(repeating: pick(["A", "x", "\\n"]), count: length)
        } else {
            for _ in 0..<length { text += pick(pieces) }
        }
        return text + "\""
    }

    /// A JSON document as text; `depth` levels are left before only scalars are produced.
    public mutating func documentText(depth: Int = 6) -> String {
        if depth <= 0 || chance(35) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1: return numberText()
            case 2, 3: return stringText()
            case 4: return pick(["true", "false"])
            default: return "null"
            }
        }
        if chance(4) { return nested(levels: Int.random(in: 200...300, using: &random)) }
        let count = Int.random(in: 0...4, using: &random)
        if chance(50) {
            return "[" + (0..<count).map { _ in documentText(depth: depth - 1) }.joined(separator: ", ") + "]"
        }
        return "{" + (0..<count).map { _ in "\(stringText()): \(documentText(depth: depth - 1))" }
            .joined(separator: ", ") + "}"
    }

    /// `levels` nested arrays around one value: around the parser's depth limit.
    public mutating func nested(levels: Int) -> String {
        String(repeating: "[", count: levels) + numberText() + String(repeating: "]", count: levels)
    }

    /// A value as the agent would see it once parsed (text that does not parse becomes a long string).
    public mutating func value(depth: Int = 4) -> JSONValue {
        (try? JSONParser.parse(documentText(depth: depth))) ?? .string(String(repeating: "B", count: 70_000))
    }

    /// `bytes` damaged: truncated, a byte flipped, or invalid UTF-8 spliced in.
    public mutating func damaged(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [0xFF] }
        var copy = bytes
        switch Int.random(in: 0..<3, using: &random) {
        case 0: copy.removeLast(Int.random(in: 1...copy.count, using: &random))
        case 1: copy[Int.random(in: 0..<copy.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
        default: copy.insert(contentsOf: pick([[0xC0, 0x80], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]),
                             at: Int.random(in: 0...copy.count, using: &random))
        }
        return copy
    }
}
