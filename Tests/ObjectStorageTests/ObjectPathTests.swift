import ObjectStorage
import Testing

/// Nested object names: every component checked, so that no name reaches outside the container.
@Suite struct ObjectPathTests {
    @Test func componentsJoinWithSlashesAndSortComponentByComponent() throws {
        let path = try ObjectPath(["db2logs", "inst-1", "SAMPLE", "C0000000", "S0000012.LOG.gz.enc"])
        #expect(path.description == "db2logs/inst-1/SAMPLE/C0000000/S0000012.LOG.gz.enc")
        #expect(try ObjectPath(["a", "b"]).appending("c") == (try ObjectPath(["a", "b", "c"])))
        // "a/b-c" < "a/b/c" as strings ('-' sorts before '/'), but a path sorts right after its parent.
        let sorted = [try ObjectPath(["a", "b-c"]), try ObjectPath(["a", "b", "c"]), try ObjectPath(["a", "b"])].sorted()
        #expect(sorted.map(\.description) == ["a/b", "a/b/c", "a/b-c"])
    }

    static let hostile: [[String]] = [
        ["db2logs", ".."], ["db2logs", "."], ["..", "etc"], ["db2logs", "%2e%2e", "x"], ["db2logs", "%2E%2e"],
        ["db2logs", "a/b"], ["db2logs", "a%2Fb"], ["db2logs", ""], [], ["db2logs", ".hidden"],
        ["db2logs", "line\nbreak"], ["db2logs", "nul\u{0}"], [String(repeating: "x", count: 1025)],
    ]

    @Test(arguments: hostile)
    func hostileComponentsAreRefused(_ components: [String]) {
        let error = #expect(throws: ObjectStorageError.self) { try ObjectPath(components) }
        guard case .invalidName(_, let reason)? = error else {
            Issue.record("expected invalidName, got \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func appendingAHostileComponentIsRefused() throws {
        let base = try ObjectPath(["db2logs"])
        #expect(throws: ObjectStorageError.self) { try base.appending("..") }
        #expect(throws: ObjectStorageError.self) { try base.appending("x/../../y") }
    }
}
