import AgentSupport
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2, 3.5, 1e3, true, false, null], "b": "x\"y\\z\n", "c": {}}"#)
        #expect(value["a"] == [1, -2, 3.5, 1000.0, true, false, nil])
        #expect(value["b"] == "x\"y\\z\n")
        #expect(value["c"] == .object([:]))
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse("-0") == .int(0))
    }

    @Test func decodesUnicodeEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00""#) == "é😀")
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#""\ud83d""#) }
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 8), ("[1 2]", 3), ("\"abc", 4), ("tru", 0), ("{\"a\" 1}", 5), ("1.", 2), ("", 0), ("{} x", 3),
    ])
    func rejectsInvalidJSONNamingTheOffset(input: String, offset: Int) {
        #expect {
            try JSONParser.parse(input)
        } throws: { error in
            (error as? JSONParseError)?.offset == offset
        }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func writerRoundTrips() throws {
        let value: JSONValue = [
            "s": "tab\there \"quoted\" \u{01} é", "i": .int(-42), "d": 0.25, "n": nil, "a": [true, [:]],
        ]
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
        #expect(JSONWriter.string(["b": 1, "a": 2]) == #"{"a": 2, "b": 1}"#)
    }
}
