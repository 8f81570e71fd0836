import Foundation
import Testing

@testable import DB2Simulator

/// Pieces that need no process of their own: process identity, log frames, image names, SQL parsing.
@Suite struct UnitTests {
    @Test func aProcessIsKnownByItsPidAndStartTime() throws {
        let me = try #require(ProcessIdentity.current)
        #expect(me.isAlive)
        // The same pid with another start time is a different (earlier or later) process.
        #expect(!ProcessIdentity(pid: me.pid, startTime: me.startTime + 1).isAlive)
        #expect(!ProcessIdentity(pid: Int32.max - 1, startTime: 0).isAlive)
    }

    @Test func logFramesReadBackUntilTheFirstDamagedOne() {
        var bytes = [UInt8](repeating: 0, count: Int(LogFile.headerSize))
        let frames = (0..<3).map {
            LogFile.Frame(transactionID: UInt64($0), piece: 0, isLast: true, commitTime: Int64($0), bytes: [UInt8($0), 7])
        }
        for frame in frames { bytes += LogFile.encode(frame) }
        bytes += [UInt8](repeating: 0, count: 64)
        #expect(LogFile.frames(in: bytes, fileNumber: 5).map(\.frame) == frames)
        let secondStart = Int(LogFile.headerSize) + LogFile.encode(frames[0]).count
        bytes[secondStart + 12] ^= 0xFF
        #expect(LogFile.frames(in: bytes, fileNumber: 5).map(\.frame) == [frames[0]])
    }

    @Test func imageNamesAreRecognized() {
        let name = BackupImage.fileName(alias: "SAMPLE", instance: "db2inst1", timestamp: "20240102030405")
        #expect(name == "SAMPLE.0.db2inst1.DBPART000.20240102030405.001")
        #expect(BackupImage.parseFileName(name)?.timestamp == "20240102030405")
        #expect(BackupImage.parseFileName("SAMPLE.0.db2inst1.DBPART000.2024.001") == nil)
        #expect(BackupImage.parseFileName("SAMPLE.0.db2inst1.DBPART000.20240102030405.001.tmp.12") == nil)
    }

    @Test func sqlIsParsedIntoStatements() throws {
        #expect(
            try SQLParser.parse("insert into s.t (a, b) values (1, 'it''s'), (-2, null)")
                == .insert(
                    QualifiedName(schema: "S", name: "T"), columns: ["A", "B"],
                    rows: [[.literal(.integer(1)), .literal(.string("it's"))], [.literal(.integer(-2)), .literal(.null)]]))
        #expect(
            try SQLParser.parse("GRANT DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE TO USER random")
                == .grant(
                [.dbadm, .dataaccess, .accessctrl, .createtab, .bindadd, .connect, .dataaccess],
                [Grantee(type: "U", name: "RANDOM")]))
        #expect(throws: DB2Failure.self) { try SQLParser.parse("select * from") }
        #expect(throws: DB2Failure.self) { try SQLParser.parse("insert into t values ('open") }
    }

    @Test func clpOptionsCombineAndSplitFiles() throws {
        let (options, rest) = try CLPOptions.parse(["-tvsf", "a.clp"])
        #expect(options.terminator == ";" && options.echo && options.stopOnError && options.file == "a.clp")
        #expect(rest.isEmpty)
        let (quiet, command) = try CLPOptions.parse(["+o", "-x", "select", "1"])
        #expect(!quiet.output && !quiet.headings && command == ["select", "1"])
        #expect(options.statements(in: "a;\n-- note\nb 'x;y';\n\n") == ["a", "b 'x;y'"])
        #expect(try CLPOptions.parse(["-td@"]).0.terminator == "@")
        // IBM, CLP options: letters are case-insensitive, `-x-` is `+x`; `+w` suppresses warnings.
        let (upper, _) = try CLPOptions.parse(["-TVX", "-S-", "+W"])
        #expect(upper.terminator == ";" && upper.echo && !upper.headings && !upper.stopOnError && !upper.warnings)
        let (off, _) = try CLPOptions.parse(["-o-", "-c-", "-v", "-v-"])
        #expect(!off.output && !off.echo)
        #expect(throws: DB2Failure.self) { try CLPOptions.parse(["-Y"]) }
    }
}
