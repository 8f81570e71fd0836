import AgentSupport
import Foundation
import OsloRPC
import TestSupport

/// The one-node Swift `scripts/test` starts, as the backup tests use it: a tempauth token and storage URL for
/// the request context (Trove's way: the user's token and the service catalog), and python-swiftclient for an
/// independent view of what the agent stored.
struct BackupTestSwift: Sendable {
    let authURL: String
    let user: String
    let key: String
    let python: String
    let swiftDirectory: String
    let storeScript: String

    /// The backup tests' own Swift: a second one-node store in `scripts/test`'s state directory, started by the
    /// first test that needs it (and stopped by `scripts/test` at the end), because the object-storage tests kill
    /// and restart the proxy of the first one while other tests run.
    ///
    /// - Throws: ``TestEnvironment/Missing`` when the tests were not started by `scripts/test`.
    static func load() async throws -> BackupTestSwift {
        try await BackupTestSwiftStore.shared.environment()
    }

    /// A fresh token and the account's storage URL.
    func authenticate() async throws -> (token: String, storageURL: String) {
        let output = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            print(json.dumps([token, url]))
            """)
        guard case .array(let pair) = try JSONParser.parse(output), pair.count == 2, let token = pair[0].stringValue,
            let url = pair[1].stringValue
        else { throw BackupTestFailure("tempauth answered \(output)") }
        return (token, url)
    }

    /// A request context as Trove's API builds it: the user's token, tenant and a Keystone v2 service catalog
    /// whose object-store endpoint is `storageURL`.
    func context(token: String, storageURL: String, requestID: String = "req-\(UUID().uuidString.prefix(8))")
        -> [String: JSONValue]
    {
        [
            "auth_token": .string(token), "tenant": "test", "user": "tester", "request_id": .string(requestID),
            "is_admin": false, "roles": ["admin"],
            "service_catalog": [
                [
                    "type": "object-store", "name": "swift",
                    "endpoints": [["region": "RegionOne", "publicURL": .string(storageURL), "internalURL": .string(storageURL)]],
                ]
            ],
        ]
    }

    /// Runs Python with python-swiftclient; `AUTH`, `USER`, `KEY`, `json`, `sys` are defined, extra arguments are
    /// in `ARGS`. Returns stdout; a failure throws with stderr.
    func swiftclient(_ body: String, _ arguments: [String] = []) async throws -> String {
        let script = """
            import json, sys
            AUTH, USER, KEY, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
            \(body)
            """
        let result = try await ProcessRunner.run(
            python, ["-c", script, authURL, user, key] + arguments, environment: ["PYTHONWARNINGS": "ignore"])
        guard result.succeeded else { throw BackupTestFailure("python-swiftclient script failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// python-swiftclient's view of an object: its ETag (quotes stripped) and whether it is an SLO.
    func head(container: String, object: String) async throws -> (etag: String, isSLO: Bool) {
        let output = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            headers = client.head_object(url, token, ARGS[0], ARGS[1])
            print(json.dumps([headers["etag"].strip('"'), headers.get("x-static-large-object", "")]))
            """, [container, object])
        guard case .array(let pair) = try JSONParser.parse(output), let etag = pair[0].stringValue else {
            throw BackupTestFailure("head_object answered \(output)")
        }
        return (etag, pair[1].stringValue?.lowercased() == "true")
    }

    /// python-swiftclient's view of an object's `X-Object-Meta-*` metadata: keys lower-cased without the prefix
    /// (`parent-location`, `db2-kind`...).
    func metadata(container: String, object: String) async throws -> [String: String] {
        let output = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            headers = client.head_object(url, token, ARGS[0], ARGS[1])
            print(json.dumps({k[len("x-object-meta-"):]: v for k, v in headers.items() if k.startswith("x-object-meta-")}))
            """, [container, object])
        guard case .object(let fields) = try JSONParser.parse(output) else { throw BackupTestFailure(output) }
        return fields.compactMapValues(\.stringValue)
    }

    /// The names in `container` (empty when it does not exist).
    func list(container: String) async throws -> [String] {
        let output = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            try:
                _, objects = client.get_container(url, token, ARGS[0], full_listing=True)
            except client.ClientException as error:
                if error.http_status != 404:
                    raise
                objects = []
            print(json.dumps([o["name"] for o in objects]))
            """, [container])
        guard case .array(let names) = try JSONParser.parse(output) else { throw BackupTestFailure(output) }
        return names.compactMap(\.stringValue).sorted()
    }

    /// Downloads the whole object (an SLO is followed) into `file`.
    func download(container: String, object: String, to file: URL) async throws {
        _ = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            _, body = client.get_object(url, token, ARGS[0], ARGS[1], resp_chunk_size=65536)
            with open(ARGS[2], "wb") as out:
                for chunk in body:
                    out.write(chunk)
            """, [container, object, file.path])
    }

    /// Replaces a stored segment's bytes with as many different bytes (the manifest is left as it was).
    func corrupt(container: String, segment: String) async throws {
        _ = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            _, body = client.get_object(url, token, ARGS[0], ARGS[1])
            damaged = bytes(b ^ 0x55 for b in body[:4096]) + body[4096:]
            client.put_object(url, token, ARGS[0], ARGS[1], damaged)
            """, [container, segment])
    }

    /// Flips one bit of the byte in the middle of a stored object (a segment: its manifest is left as it was).
    func flipByte(container: String, object: String) async throws {
        _ = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            _, body = client.get_object(url, token, ARGS[0], ARGS[1])
            middle = len(body) // 2
            client.put_object(url, token, ARGS[0], ARGS[1], body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1:])
            """, [container, object])
    }

    /// Swaps the bytes of two stored objects (the manifest is left as it was).
    func swap(container: String, _ first: String, _ second: String) async throws {
        _ = try await swiftclient(
            """
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            _, one = client.get_object(url, token, ARGS[0], ARGS[1])
            _, two = client.get_object(url, token, ARGS[0], ARGS[2])
            assert one != two
            client.put_object(url, token, ARGS[0], ARGS[1], two)
            client.put_object(url, token, ARGS[0], ARGS[2], one)
            """, [container, first, second])
    }

    /// Makes tempauth forget `token` (as if it expired): every request with it is answered 401 from now on.
    func expire(token: String) async throws {
        let environment = try String(contentsOfFile: swiftDirectory + "/env", encoding: .utf8)
        guard let line = environment.split(separator: "\n").first(where: { $0.hasPrefix("SWIFT_MEMCACHED_PORT=") }) else {
            throw BackupTestFailure("no SWIFT_MEMCACHED_PORT in \(swiftDirectory)/env")
        }
        let port = String(line.dropFirst("SWIFT_MEMCACHED_PORT=".count))
        _ = try await swiftclient(
            """
            import hashlib, socket
            # tempauth keeps a token in memcached under md5("AUTH_/token/<token>") (swift.common.memcached).
            key = hashlib.md5(("AUTH_/token/" + ARGS[1]).encode()).hexdigest()
            with socket.create_connection(("127.0.0.1", int(ARGS[0]))) as cache:
                cache.sendall(b"delete " + key.encode() + b"\\r\\n")
                answer = cache.recv(100)
            assert answer.startswith((b"DELETED", b"NOT_FOUND")), answer
            token = ARGS[1]
            from swiftclient import client
            storage, fresh = client.get_auth(AUTH, USER, KEY)
            try:
                client.head_account(storage, token)
                raise SystemExit("the token still works")
            except client.ClientException as error:
                assert error.http_status == 401, error
            """, [port, token])
    }

    /// Stores `file` as Trove's Swift storage strategy does (`trove/common/strategies/storage/swift.py`):
    /// segments `<id>_00000000`... of at most `segmentSize` bytes in `container`, then an SLO manifest (or, for one
    /// segment, a copy to the object name with the datastore metadata, and the segment deleted). Returns the
    /// checksum Trove records (the MD5 of the single segment, or the MD5 of the segment MD5s).
    func uploadAsTrove(_ file: URL, container: String, object: String, segmentSize: Int) async throws -> String {
        try await swiftclient(
            """
            import hashlib
            from swiftclient import client
            url, token = client.get_auth(AUTH, USER, KEY)
            path, container, manifest, size = ARGS[0], ARGS[1], ARGS[2], int(ARGS[3])
            base = manifest.split(".")[0]
            client.put_container(url, token, container)
            segments, md5s = [], []
            with open(path, "rb") as source:
                index = 0
                while True:
                    data = source.read(size)
                    if not data and index > 0:
                        break
                    name = "%s_%08d" % (base, index)
                    etag = client.put_object(url, token, container, name, data)
                    digest = hashlib.md5(data).hexdigest()
                    assert etag == digest, (etag, digest)
                    segments.append({"path": "%s/%s" % (container, name), "etag": etag, "size_bytes": len(data)})
                    md5s.append(digest)
                    index += 1
                    if len(data) < size:
                        break
            if len(segments) > 1:
                client.put_object(url, token, container, manifest, json.dumps(segments),
                                  query_string="multipart-manifest=put")
                checksum = hashlib.md5("".join(md5s).encode()).hexdigest()
            else:
                client.put_object(url, token, container, manifest, "", headers={
                    "X-Copy-From": segments[0]["path"], "X-Object-Meta-datastore": "db2",
                    "X-Object-Meta-datastore-version": "11.1"})
                client.delete_object(url, token, container, segments[0]["path"].split("/", 1)[1])
                checksum = md5s[0]
            stored = client.head_object(url, token, container, manifest)["etag"].strip('"')
            assert stored == checksum, (stored, checksum)
            print(checksum)
            """, [file.path, container, object, String(segmentSize)])
    }
}

/// Starts the backup tests' Swift once per test process.
actor BackupTestSwiftStore {
    static let shared = BackupTestSwiftStore()
    /// One start for every caller (an actor method is re-entered while it awaits: the task is the guard).
    private var starting: Task<BackupTestSwift, any Error>?

    func environment() async throws -> BackupTestSwift {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    private static func start() async throws -> BackupTestSwift {
        let script = try TestEnvironment.require("SWIFT_STORE")
        let directory = try TestEnvironment.require("TEST_STATE_DIR") + "/swift-backup-tests"
        let result = try await ProcessRunner.run(script, ["start", directory])
        guard result.succeeded else { throw BackupTestFailure("the backup tests' Swift did not start: \(result.stderr)") }
        let environment = try String(contentsOfFile: directory + "/env", encoding: .utf8)
        func value(_ name: String) throws -> String {
            guard let line = environment.split(separator: "\n").first(where: { $0.hasPrefix(name + "=") }) else {
                throw BackupTestFailure("no \(name) in \(directory)/env")
            }
            return String(line.dropFirst(name.count + 1))
        }
        return BackupTestSwift(
            authURL: try value("SWIFT_AUTH_URL"), user: try value("SWIFT_USER"), key: try value("SWIFT_KEY"),
            python: try TestEnvironment.python(), swiftDirectory: directory, storeScript: script)
    }
}

/// A test precondition that did not hold, with what was seen.
struct BackupTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
