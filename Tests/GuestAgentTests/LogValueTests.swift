import GuestAgent
import Testing

/// What a value from the wire looks like in the agent's log: one line, bounded.
@Suite struct LogValueTests {
    @Test func controlCharactersAreEscapedSoARecordStaysOneLine() {
        let forged = "db\nERROR [trove-db2-agent] forged\r\t\u{0}\u{1B}[2J\u{7F}\u{85}\u{2028}é"
        let logged = AgentLogHandler.loggable(forged)
        #expect(logged == #"db\nERROR [trove-db2-agent] forged\r\t\u{0}\u{1B}[2J\u{7F}\u{85}\u{2028}é"#)
        #expect(!logged.contains("\n") && !logged.contains("\r"))
        #expect(AgentLogHandler.loggable("plain value") == "plain value")
    }

    @Test func aLongValueIsCutSayingHowManyBytesWereCut() {
        let logged = AgentLogHandler.loggable(String(repeating: "A", count: 8 << 20))
        #expect(logged == String(repeating: "A", count: 8192) + "… (\((8 << 20) - 8192) bytes cut)")
        // Escapes count towards the limit; a character is never split.
        let escaped = AgentLogHandler.loggable(String(repeating: "\n", count: 10), limit: 5)
        #expect(escaped == #"\n\n"# + "… (8 bytes cut)")
        #expect(AgentLogHandler.loggable("ééé", limit: 3) == "é… (4 bytes cut)")
    }
}
