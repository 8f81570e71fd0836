import AgentSupport
import Foundation
import Logging
import Testing
import TestSupport

@testable import TroveConfig

/// The same files read by real oslo.config (from the project's Python venv) and by this module must give the same
/// value for every option of the table, and be rejected by both when malformed.
///
/// Needs `TEST_PYTHON` (exported by `scripts/test`: the venv's python, which has oslo.config as a dependency of
/// oslo.messaging). Without it the test fails, it does not skip.
@Suite(.needsServices) struct OsloConfigParityTests {
    /// Registers every option of the spec with oslo.config (plain types, so values compare as written), reads the
    /// files, and prints one canonical JSON text per option, or `{"__error__": ...}` when oslo.config rejects them.
    private static let script = #"""
        import json, sys
        from oslo_config import cfg
        spec = json.load(open(sys.argv[1]))
        conf = cfg.ConfigOpts()
        for o in spec:
            deprecated = [cfg.DeprecatedOpt(n, group=g) for g, n in o["deprecated"]]
            kinds = {"boolean": cfg.BoolOpt, "string": cfg.StrOpt, "list": cfg.ListOpt, "dict": cfg.DictOpt}
            extra = {}
            if o["kind"] in ("integer", "float"):
                extra = {"min": o["min"], "max": o["max"]}
            cls = kinds.get(o["kind"]) or (cfg.IntOpt if o["kind"] == "integer" else cfg.FloatOpt)
            opt = cls(o["name"], default=o["default"], deprecated_opts=deprecated, **extra)
            conf.register_opt(opt, group=None if o["section"] == "DEFAULT" else o["section"])
        try:
            conf(args=sum((["--config-file", f] for f in sys.argv[2:]), []), default_config_files=[], default_config_dirs=[])
            out = {}
            for o in spec:
                group = conf if o["section"] == "DEFAULT" else conf[o["section"]]
                out["[%s] %s" % (o["section"], o["name"])] = json.dumps(group[o["name"]], sort_keys=True, ensure_ascii=False)
        except Exception as e:
            out = {"__error__": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out))
        """#

    /// Files that exercise quoting, continuation, comments, separators, deprecated names across files, `$`
    /// substitution and every value type.
    private static let validCorpora: [[String]] = [
        [
            "[DEFAULT]\nguest_id=3f2c\ndatastore_manager=db2\ntenant_id=t1\n",
            """
            # Trove's sample style
            [DEFAULT]
            control_exchange = trove
            transport_url: "rabbit://u:p@h:5672/"
            report_interval = 45
            backup_aes_cbc_key = 'quoted key'
            swift_url = http://10.0.0.1:8080/v1/AUTH_ # not a comment
            debug = ON
            log_dir = /var/log/trove/
            rabbit_host = old-default-group
            rabbit_password = pa$$word\\$x
            backup_runner_options = a:1, b : two:three
            [DB2]
            ignore_users = PUBLIC,
              DB2INST1,
            \tMONITOR
            mount_point = ${db2.instance_home}/data
            instance_home = /home/$instance_owner
            instance_owner = db2i
            [oslo_messaging_rabbit]
            kombu_reconnect_delay = 2.5
            rabbit_port = 5673
            rabbit_use_ssl = yes
            kombu_ssl_ca_certs = /ca.pem
            [profiler]
            enabled = true
            """,
            """
            [DEFAULT]
            report_interval = 60
            rabbit_port = 6000
            [oslo_messaging_rabbit]
            rabbit_host = newer-current-group
            [db2]
            backup_strategy = DB2OnlineBackup
            """,
        ],
        [
            "[DEFAULT]\nguest_id = g\n[oslo_messaging_rabbit]\nrabbit_hosts = a:1, [::1]:2 ,b\namqp_durable_queues = 0\n",
            "[DEFAULT]\nrabbit_durable_queues = true\nos_region_name = R2\nlogfile = /tmp/x.log\nguest_id = later\n",
        ],
    ]

    /// Files oslo.config rejects; this module must reject them too.
    private static let invalidCorpora: [String] = [
        "[DEFAULT]\nguest_id = g\nreport_interval soon\n",
        "[DEFAULT]\nguest_id = g\n\n  orphan continuation\n",
        "[DEFAULT\nguest_id = g\n",
        "guest_id = g\n[DEFAULT]\n",
        "[DEFAULT]\nguest_id = g\ndebug = maybe\n",
        "[DEFAULT]\nguest_id = g\nreport_interval = 0\n",
        "[DEFAULT]\nguest_id = g\nbackup_compression_level = 13\n",
        "[DEFAULT]\nguest_id = g\nconductor_queue = $no_such_option\n",
        "[DEFAULT]\nguest_id = g\n[db2]\nbackup_incremental_strategy = a:1,a:2\n",
    ]

    @Test func valuesMatchOsloConfigForEveryOption() async throws {
        let python = try Self.python()
        for (index, corpus) in Self.validCorpora.enumerated() {
            let oslo = try await Self.runOslo(python: python, files: corpus)
            #expect(oslo["__error__"] == nil, "corpus \(index): oslo.config rejected it: \(oslo["__error__"] ?? "")")
            let files = try corpus.enumerated().map { try INIFile(path: "f\($0.offset).conf", text: $0.element) }
            var resolver = ConfigResolver(
                files: files, logger: Logger(label: "parity") { _ in SwiftLogNoOpLogHandler() })
            let resolved = try resolver.resolve()
            for definition in OptionTable.all {
                let ours = Self.canonicalJSON(resolved.entry(definition.name).parsed)
                #expect(ours == oslo["\(definition.name)"], "corpus \(index): \(definition.name)")
            }
        }
    }

    @Test func malformedFilesAreRejectedByBoth() async throws {
        let python = try Self.python()
        for text in Self.invalidCorpora {
            let oslo = try await Self.runOslo(python: python, files: [text])
            #expect(oslo["__error__"] != nil, "oslo.config accepted \(text.debugDescription)")
            #expect(throws: ConfigError.self, "\(text.debugDescription)") {
                let file = try INIFile(path: "bad.conf", text: text)
                var resolver = ConfigResolver(
                    files: [file], logger: Logger(label: "parity") { _ in SwiftLogNoOpLogHandler() })
                _ = try resolver.resolve()
            }
        }
    }

    // MARK: - Helpers

    private static func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["TEST_PYTHON"], !python.isEmpty else {
            Issue.record(
                "TEST_PYTHON is not set: run the tests with scripts/test (it provides the Python venv with oslo.config)"
            )
            throw CancellationError()
        }
        return python
    }

    /// Writes the spec and files to a temporary directory and runs the oslo.config script on the blocking pool.
    private static func runOslo(python: String, files: [String]) async throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "oslo-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("oslo_reference.py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let specURL = directory.appendingPathComponent("spec.json")
        try JSONSerialization.data(withJSONObject: spec()).write(to: specURL)
        var arguments = [scriptURL.path, specURL.path]
        for (index, text) in files.enumerated() {
            let url = directory.appendingPathComponent("f\(index).conf")
            try text.write(to: url, atomically: true, encoding: .utf8)
            arguments.append(url.path)
        }
        let processArguments = arguments
        let stderrURL = directory.appendingPathComponent("stderr.txt")
        try Data().write(to: stderrURL)
        let output: Data = try await BlockingThreadPool.shared.run {
            let child = try ChildProcess(python, processArguments, stdout: .pipe, stderr: .file(stderrURL))
            let data = ChildProcess.readToEnd(child.standardOutput!)
            _ = child.waitBlocking()
            return data
        }
        let decoded = try? JSONSerialization.jsonObject(with: output) as? [String: String]
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return try #require(
            decoded, "oslo.config script printed \(String(decoding: output, as: UTF8.self)), stderr: \(stderr)")
    }

    /// The option table as the script reads it; defaults typed as oslo.config expects them.
    private static func spec() throws -> [[String: Any]] {
        try OptionTable.all.map { definition in
            var entry: [String: Any] = [
                "section": definition.name.section, "name": definition.name.name,
                "deprecated": definition.deprecatedNames.map { [$0.section, $0.name] },
                "min": NSNull(), "max": NSNull(),
            ]
            switch definition.kind {
            case .boolean: entry["kind"] = "boolean"
            case let .integer(min, max):
                entry["kind"] = "integer"
                entry["min"] = min ?? NSNull()
                entry["max"] = max ?? NSNull()
            case let .float(min, max):
                entry["kind"] = "float"
                entry["min"] = min ?? NSNull()
                entry["max"] = max ?? NSNull()
            case .string: entry["kind"] = "string"
            case .list: entry["kind"] = "list"
            case .dict: entry["kind"] = "dict"
            }
            entry["default"] =
                try definition.defaultText.map { text -> Any in
                    if definition.kind == .list && text.contains("$") { return [text] }  // oslo substitutes list items
                    switch try definition.kind.parse(text) {
                    case .unset: return NSNull()
                    case let .boolean(value): return value
                    case let .integer(value): return value
                    case let .float(value): return value
                    case let .string(value): return value
                    case let .list(value): return value
                    case let .dict(value): return value
                    }
                } ?? NSNull()
            return entry
        }
    }

    /// Python's `json.dumps(value, sort_keys=True, ensure_ascii=False)` of our parsed value.
    private static func canonicalJSON(_ value: ParsedOptionValue) -> String {
        switch value {
        case .unset: return "null"
        case let .boolean(value): return value ? "true" : "false"
        case let .integer(value): return String(value)
        case let .float(value): return String(value)
        case let .string(value): return jsonString(value)
        case let .list(items): return "[" + items.map(jsonString).joined(separator: ", ") + "]"
        case let .dict(pairs):
            return "{"
                + pairs.sorted { $0.key < $1.key }.map { jsonString($0.key) + ": " + jsonString($0.value) }
                .joined(separator: ", ") + "}"
        }
    }

    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
