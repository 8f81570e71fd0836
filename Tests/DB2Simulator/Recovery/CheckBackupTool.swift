import Foundation

/// `db2ckbkp [-h|-H|-a] IMAGE...`: reads each image through, checking every checksum, and says whether it can be
/// restored. `-h`/`-H`/`-a` also print the media header.
enum CheckBackupTool {
    /// - Returns: the output and the exit code (0 when every image is whole, 1 otherwise).
    static func run(_ arguments: [String]) -> (String, Int32) {
        var showHeader = false
        var images: [String] = []
        for argument in arguments {
            if argument.hasPrefix("-") {
                if argument.contains("h") || argument.contains("H") || argument.contains("a") { showHeader = true }
            } else {
                images.append(argument)
            }
        }
        guard !images.isEmpty else {
            return ("Usage: db2ckbkp [-a] [-c] [-d] [-e] [-h] [-l] [-n] [-o] [-p] [-s] [-t] [-H] [-S] [-T] filename\n", 1)
        }
        var output = ""
        var failed = false
        for (index, image) in images.enumerated() {
            let (text, ok) = check(image, number: index + 1, showHeader: showHeader)
            output += text
            failed = failed || !ok
        }
        return (output, failed ? 1 : 0)
    }

    private static func check(_ path: String, number: Int, showHeader: Bool) -> (String, Bool) {
        var output = ""
        var errors: [String] = []
        var buffers = 0
        do {
            let reader = try BackupImageReader(path: path)
            buffers = max(1, Int((reader.size + (4 << 20) - 1) / (4 << 20)))
            while let entry = try reader.nextEntry() {
                if entry.kind == .header, showHeader {
                    let header = try reader.decodeBody(BackupImage.Header.self, entry)
                    output += mediaHeader(header, path: path)
                } else {
                    try reader.streamBody(entry) { _ in }
                }
            }
        } catch let damage as BackupImageReader.Damage {
            errors.append("ERROR!  The backup image is damaged: \(damage.description).")
        } catch let error as SystemCallError {
            errors.append("ERROR!  Unable to read the image: \(error.description).")
        } catch {
            errors.append("ERROR!  The backup image is damaged: \(error).")
        }
        output += "[\(number)] Buffers processed:    \(String(repeating: "#", count: buffers))\n"
        for error in errors { output += "\(error)\n" }
        if errors.isEmpty {
            output += "Image Verification Complete - successful.\n"
        } else {
            output += "Image Verification Complete - ERRORS DETECTED:  \(errors.count)\n"
        }
        return (output, errors.isEmpty)
    }

    /// The media header's backup granularity: 16 incremental, 48 delta [mem].
    private static func granularity(_ kind: BackupKind) -> String {
        switch kind {
        case .full: "0 (Non-incremental)"
        case .incremental: "16 (Incremental)"
        case .delta: "48 (Delta)"
        }
    }

    private static func mediaHeader(_ header: BackupImage.Header, path: String) -> String {
        let fields: [(String, String)] = [
            ("Server Database Name", header.databaseName),
            ("Server Database Alias", header.alias),
            ("Client Database Alias", header.alias),
            ("Timestamp", header.timestamp),
            ("Database Partition Number", "0"),
            ("Instance", header.instance),
            ("Database Configuration Type", "0 (Non-shared data)"),
            ("Sequence Number", "1"),
            ("Database Member ID", "0"),
            ("Release ID", "0x1500 (DB2 v\(header.release))"),
            ("Database Seed", "0x\(String(header.seed, radix: 16, uppercase: true))"),
            ("Backup Mode", header.online ? "1 (Online)" : "0 (Offline)"),
            ("Includes Logs", header.includesLogs ? "1 (Yes)" : "0 (No)"),
            ("Compression", "0 (Not Compressed)"),
            ("Backup Type", "0 (Database-level)"),
            ("Backup Granularity", granularity(header.backupKind)),
            ("Merged Backup Image", "0 (No)"),
            ("Status Flags", header.online ? "0x20" : "0x1"),
            ("System Catalogs in this image", "1 (Yes)"),
            ("Catalog Partition Number", "0"),
            ("DB Codeset", "UTF-8"),
            ("DB Territory", "US"),
            ("Number of Sessions", "1"),
            ("Platform", "0x1E (Linux-x86-64)"),
        ]
        var lines = ["", "", "=====================", "MEDIA HEADER REACHED:", "====================="]
        lines += fields.map { "    \($0.0.padded(to: 31))-- \($0.1)" }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        lines += ["", " The proper image file name would be:", name, ""]
        return lines.map { $0 + "\n" }.joined()
    }
}
