import Foundation

/// Reads and changes the instance state (`instance.json`) under the instance lock file.
struct InstanceStore: Sendable {
    let layout: InstanceLayout

    /// The state as it is now (read under a shared lock, dead processes' connections left out by ``update(_:)``).
    func read() throws -> InstanceState {
        try withFileLock(layout.lockFile, .shared) { try load() }
    }

    /// Runs `body` on the state under the exclusive lock and saves what it leaves when it changed.
    func update<T>(_ body: (inout InstanceState) throws -> T) throws -> T {
        try withFileLock(layout.lockFile, .exclusive) {
            var state = try load()
            let loaded = state
            state.prune()
            do {
                let result = try body(&state)
                if state != loaded { try save(state) }
                return result
            } catch {
                // A body may change the state and still fail (a forced connection is dropped, then SQL1224N).
                if state != loaded { try save(state) }
                throw error
            }
        }
    }

    func load() throws -> InstanceState {
        try JSONDecoder().decode(InstanceState.self, from: Data(try FileSystem.read(layout.stateFile)))
    }

    func save(_ state: InstanceState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileSystem.writeAtomically(Array(try encoder.encode(state)), to: layout.stateFile)
    }

    /// The location of a database's files.
    func location(of entry: InstanceState.DirectoryEntry) -> DatabaseLocation {
        DatabaseLocation(root: "\(layout.nodeDirectory(onPath: entry.localDirectory))/\(entry.subdirectory)")
    }

    func databaseStore(for entry: InstanceState.DirectoryEntry) -> DatabaseStore {
        DatabaseStore(location: location(of: entry), instance: layout.instanceName)
    }
}
