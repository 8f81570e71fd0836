import Testing

@testable import TroveConfig

/// The INI rules of oslo.config's `iniparser`, checked on the parser alone.
@Suite struct INIFileTests {
    private func value(_ text: String, _ section: String, _ key: String) throws -> String? {
        try INIFile(path: "t.conf", text: text).assignment(section: section, key: key)?.value
    }

    @Test func equalsAndColonSeparateKeyFromValueWhicheverComesFirst() throws {
        let text = """
            [DEFAULT]
            a = 1
            b: 2
            url = rabbit://u:p@h:5672/
            c:d=e
            """
        #expect(try value(text, "DEFAULT", "a") == "1")
        #expect(try value(text, "DEFAULT", "b") == "2")
        #expect(try value(text, "DEFAULT", "url") == "rabbit://u:p@h:5672/")
        #expect(try value(text, "DEFAULT", "c") == "d=e")
    }

    @Test func oneMatchingPairOfQuotesIsRemovedAndNothingElse() throws {
        let text = """
            [DEFAULT]
            double = "default_aes_cbc_key"
            single = 'x y'
            mixed = "x'
            inner = a "b" c
            spaces =   padded value   
            """
        #expect(try value(text, "DEFAULT", "double") == "default_aes_cbc_key")
        #expect(try value(text, "DEFAULT", "single") == "x y")
        #expect(try value(text, "DEFAULT", "mixed") == "\"x'")
        #expect(try value(text, "DEFAULT", "inner") == "a \"b\" c")
        #expect(try value(text, "DEFAULT", "spaces") == "padded value")
    }

    @Test func commentsOnlyInTheFirstColumnAndNoInlineComments() throws {
        let text = """
            # a comment
            ; another
            [DEFAULT]
            a = 1 # not a comment
            """
        #expect(try value(text, "DEFAULT", "a") == "1 # not a comment")
    }

    @Test func indentedLinesContinueTheValueUntilABlankLineOrComment() throws {
        let text = """
            [DEFAULT]
            multi = one
              two
            \tthree
            next = x

            """
        #expect(try value(text, "DEFAULT", "multi") == "one\ntwo\nthree")
        #expect(try value(text, "DEFAULT", "next") == "x")
    }

    @Test func continuationWithNothingToContinueIsAnErrorAtItsLine() {
        for text in ["[DEFAULT]\na = 1\n\n  orphan\n", "[DEFAULT]\na = 1\n# comment\n  orphan\n", "[DEFAULT]\n  x\n"] {
            do {
                _ = try INIFile(path: "t.conf", text: text)
                Issue.record("expected an error for \(text.debugDescription)")
            } catch {
                #expect(error.kind == .malformedFile)
                #expect(error.description.hasPrefix("t.conf:"))
                #expect(error.message.contains("continuation"))
                #expect(!error.message.contains("orphan"))
            }
        }
    }

    @Test(arguments: [
        ("[DEFAULT]\na = 1\n[db2\n", 3, "must end with \"]\""),
        ("[DEFAULT]\n[]\n", 2, "empty section name"),
        ("[DEFAULT]\nrabbit_password hunter2\n", 2, "no \"=\" or \":\" found"),
        ("[DEFAULT]\n= value\n", 2, "empty option name"),
        ("a = 1\n[DEFAULT]\n", 1, "before any [section]"),
    ])
    func malformedLinesAreErrorsNamingFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try INIFile(path: "/etc/x.conf", text: text)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/etc/x.conf:\(line): "))
            #expect(error.message.contains(message))
            #expect(!error.description.contains("hunter2"), "a malformed line may hold a password")
        }
    }

    @Test func sectionNamesAreCaseInsensitiveExceptDEFAULTAndKeysAreCaseSensitive() throws {
        let file = try INIFile(path: "t.conf", text: "[DB2]\nMount_Point = /a\n[default]\nguest_id = x\n")
        #expect(file.assignment(section: "db2", key: "Mount_Point")?.value == "/a")
        #expect(file.assignment(section: "db2", key: "mount_point") == nil)
        #expect(file.assignment(section: "DEFAULT", key: "guest_id") == nil, "[default] is not [DEFAULT]")
    }

    @Test func lastAssignmentWinsAndRepeatedSectionsMerge() throws {
        let file = try INIFile(path: "t.conf", text: "[db2]\na = 1\n[DEFAULT]\nb = 2\n[db2]\na = 3\n")
        #expect(file.assignment(section: "db2", key: "a")?.value == "3")
        #expect(file.assignment(section: "db2", key: "a")?.line == 6)
        #expect(file.assignment(section: "DEFAULT", key: "b")?.value == "2")
    }

    @Test func windowsAndOldMacLineEndingsAndByteOrderMark() throws {
        let file = try INIFile(path: "t.conf", text: "\u{FEFF}[DEFAULT]\r\na = 1\r\nb = 2\rc = 3")
        #expect(file.assignment(section: "DEFAULT", key: "a")?.value == "1")
        #expect(file.assignment(section: "DEFAULT", key: "b")?.value == "2")
        #expect(file.assignment(section: "DEFAULT", key: "c")?.line == 4)
    }
}
