import Testing

@testable import TroveConfig

/// Value parsing as oslo.config's `types` module does it.
@Suite struct OptionKindTests {
    @Test(arguments: ["true", "TRUE", "True", "1", "on", "ON", "yes", "Yes"])
    func trueSpellings(text: String) throws {
        #expect(try OptionKind.boolean.parse(text) == .boolean(true))
    }

    @Test(arguments: ["false", "FALSE", "0", "off", "Off", "no", "NO"])
    func falseSpellings(text: String) throws {
        #expect(try OptionKind.boolean.parse(text) == .boolean(false))
    }

    @Test(arguments: ["", "maybe", "2", "t", "true\nfalse"])
    func notBooleans(text: String) {
        #expect(throws: OptionValueError.self) { try OptionKind.boolean.parse(text) }
    }

    @Test func integersAsPythonIntReadsThem() throws {
        let kind = OptionKind.integer(min: nil, max: nil)
        #expect(try kind.parse("42") == .integer(42))
        #expect(try kind.parse(" -7 ") == .integer(-7))
        #expect(try kind.parse("+3") == .integer(3))
        #expect(try kind.parse("1_000") == .integer(1000))
        #expect(try kind.parse("") == .unset, "oslo.config reads an empty integer as None")
        for bad in ["1.5", "0x10", "ten", "1__0", "_1", "1_", "99999999999999999999999"] {
            #expect(throws: OptionValueError.self, "\(bad)") { try kind.parse(bad) }
        }
    }

    @Test func integerBoundsAreInclusive() throws {
        let kind = OptionKind.integer(min: 1, max: 12)
        #expect(try kind.parse("1") == .integer(1))
        #expect(try kind.parse("12") == .integer(12))
        #expect(throws: OptionValueError.self) { try kind.parse("0") }
        #expect(throws: OptionValueError.self) { try kind.parse("13") }
    }

    @Test func floats() throws {
        let kind = OptionKind.float(min: 0, max: 4.5)
        #expect(try kind.parse("1.5") == .float(1.5))
        #expect(try kind.parse("2") == .float(2))
        #expect(try kind.parse("4.5e0") == .float(4.5))
        for bad in ["-0.1", "5", "nan", "inf", "0x1p1", "one"] {
            #expect(throws: OptionValueError.self, "\(bad)") { try kind.parse(bad) }
        }
    }

    @Test func choicesMatchWithoutRegardToCaseAndReturnTheCanonicalSpelling() throws {
        let kind = OptionKind.string(choices: ["DB2OfflineBackup", "DB2OnlineBackup"])
        #expect(try kind.parse("db2onlinebackup") == .string("DB2OnlineBackup"))
        #expect(throws: OptionValueError.self) { try kind.parse("DB2Online") }
    }

    @Test func listsSplitAtCommasTrimItemsAndIgnoreATrailingComma() throws {
        #expect(try OptionKind.list.parse(" PUBLIC , DB2INST1, ") == .list(["PUBLIC", "DB2INST1"]))
        #expect(try OptionKind.list.parse("") == .list([]))
        #expect(try OptionKind.list.parse("a,,b") == .list(["a", "", "b"]))
        #expect(try OptionKind.list.parse("h1:5672,[::1]:5672") == .list(["h1:5672", "[::1]:5672"]))
    }

    @Test func dictsAreKeyColonValuePairs() throws {
        #expect(try OptionKind.dict.parse("k1:v1, k2 : v2:x") == .dict(["k1": "v1", "k2": "v2:x"]))
        #expect(try OptionKind.dict.parse("") == .dict([:]))
        #expect(try OptionKind.dict.parse("a,b:c") == .dict(["a,b": "c"]), "oslo joins a piece without ':' to the next")
        for bad in ["novalue", "a:1,a:2", ":v", "a:1,b"] {
            #expect(throws: OptionValueError.self, "\(bad)") { try OptionKind.dict.parse(bad) }
        }
    }

    @Test func everyDefaultInTheTableParsesByItsOwnKind() throws {
        for definition in OptionTable.all {
            guard let text = definition.defaultText, !text.contains("$") else { continue }
            #expect(throws: Never.self, "\(definition.name)") { _ = try definition.kind.parse(text) }
        }
    }

    @Test func optionNamesAreUnique() {
        var seen = Set<OptionName>()
        for definition in OptionTable.all {
            for name in [definition.name] + definition.deprecatedNames {
                #expect(seen.insert(name).inserted, "\(name) is declared twice")
            }
            #expect(OptionTable.sections.contains(definition.name.section))
        }
    }
}
