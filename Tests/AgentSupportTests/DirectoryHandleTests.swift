import AgentSupport
import Foundation
import Testing

/// ``DirectoryHandle``: paths walked without following links another user could plant; files changed through
/// descriptors.
@Suite struct DirectoryHandleTests {
    /// A fresh directory (mode 0755, the test's user) for one test.
    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dirhandle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, 0o755)
        return path
    }

    @Test func aLinkIsFollowedOnlyWhereOnlyRootCouldHaveMadeIt() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: "\(base)/target/inner", withIntermediateDirectories: true)
        // A link in a directory only its owner may write: trusted when that owner is root.
        try FileManager.default.createDirectory(atPath: "\(base)/closed", withIntermediateDirectories: false)
        chmod("\(base)/closed", 0o755)
        #expect(symlink("../target", "\(base)/closed/link") == 0)
        // The same link in a directory others may write (as the instance owner's would be to root).
        try FileManager.default.createDirectory(atPath: "\(base)/open", withIntermediateDirectories: false)
        chmod("\(base)/open", 0o777)
        #expect(symlink("\(base)/target", "\(base)/open/link") == 0)

        if geteuid() == 0 {
            let followed = try DirectoryHandle.open("\(base)/closed/link/inner")
            #expect(followed.path == "\(base)/target/inner")
        } else {
            #expect(throws: PathFailure.self) { try DirectoryHandle.open("\(base)/closed/link/inner") }
        }
        let refused = #expect(throws: PathFailure.self) { try DirectoryHandle.open("\(base)/open/link/inner") }
        #expect(refused?.isSymbolicLink == true)
        #expect(refused?.path == "\(base)/open/link")
        #expect(refused?.description.contains("symbolic link") == true)
        // An entry of an opened directory is never followed.
        let open = try DirectoryHandle.open("\(base)/open")
        #expect(throws: PathFailure.self) { try open.openDirectory("link") }
        #expect(throws: PathFailure.self) { try open.makeDirectory("link", mode: 0o700) }
    }

    @Test func ensureDirectoryChangesTheDirectoryNeverALinksTarget() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let made = try DirectoryHandle.ensureDirectory("\(base)/a/b", uid: nil, gid: nil, mode: 0o750)
        #expect(made.path == "\(base)/a/b")
        #expect(try FileManager.default.attributesOfItem(atPath: "\(base)/a/b")[.posixPermissions] as? Int == 0o750)
        try FileManager.default.createDirectory(atPath: "\(base)/victim", withIntermediateDirectories: false)
        chmod("\(base)/victim", 0o755)
        chmod(base, 0o777)
        #expect(symlink("\(base)/victim", "\(base)/planted") == 0)
        #expect(throws: PathFailure.self) {
            try DirectoryHandle.ensureDirectory("\(base)/planted", uid: nil, gid: nil, mode: 0o700)
        }
        #expect(try FileManager.default.attributesOfItem(atPath: "\(base)/victim")[.posixPermissions] as? Int == 0o755)
    }

    @Test func filesAreReplacedNotWrittenThroughAndOnlyRegularFilesAreRead() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Data("precious".utf8).write(to: URL(fileURLWithPath: "\(base)/precious"))
        #expect(symlink("\(base)/precious", "\(base)/settings") == 0)
        let directory = try DirectoryHandle.open(base)
        #expect(throws: PathFailure.self) { try directory.readFile("settings", limit: 1024) }
        try directory.replaceFile("settings", contents: Array("A=1\n".utf8), mode: 0o640, uid: nil, gid: nil)
        #expect(try String(contentsOfFile: "\(base)/precious", encoding: .utf8) == "precious")
        #expect(try directory.readFile("settings", limit: 1024) == Array("A=1\n".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: "\(base)/settings")[.posixPermissions] as? Int == 0o640)
        #expect(try directory.readFile("missing", limit: 1024) == nil)
        // A FIFO would block a reader for ever: refused at once.
        #expect(mkfifo("\(base)/fifo", 0o600) == 0)
        let fifo = #expect(throws: PathFailure.self) { try directory.readFile("fifo", limit: 1024) }
        #expect(fifo?.description.contains("not a regular file") == true)
        #expect(throws: PathFailure.self) { try directory.readFile("settings", limit: 2) }
        #expect(throws: PathFailure.self) { try directory.writeNewFile("settings", contents: [], mode: 0o600, uid: nil, gid: nil) }
        #expect(throws: PathFailure.self) { try directory.readFile("../precious", limit: 1024) }
        try directory.removeFile("settings")
        try directory.removeFile("settings")
        #expect(try directory.entryNames().sorted() == ["fifo", "precious"])
    }
}

extension DirectoryHandleTests {
    /// A hostile archive's tree: thousands of levels (paths far beyond PATH_MAX, more levels than open files
    /// allowed), with a link to a directory outside planted inside. Emptying it removes all of it and nothing outside.
    @Test func aTreeThousandsOfLevelsDeepIsRemovedAndLinksInsideAreNotFollowed() throws {
        let base = URL(fileURLWithPath: try scratch())
        defer { try? FileManager.default.removeItem(at: base) }
        let outside = base.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: outside.appendingPathComponent("keep"))
        let root = base.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        // Built with *at calls, one level at a time: no path of the tree is ever named whole.
        var fd = open(root.path, O_RDONLY | O_DIRECTORY)
        #expect(fd >= 0)
        for level in 0..<3000 {
            #expect(mkdirat(fd, "level-directory-name", 0o755) == 0)
            let file = openat(fd, "file-\(level)", O_WRONLY | O_CREAT, 0o644)
            close(file)
            if level == 1500 { #expect(symlinkat(outside.path, fd, "link-outside") == 0) }
            let next = openat(fd, "level-directory-name", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        close(fd)

        let directory = try DirectoryHandle.open(root.path)
        try directory.removeContents()
        #expect(try directory.entryNames().isEmpty)
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("keep").path), "outside is untouched")
    }
}
