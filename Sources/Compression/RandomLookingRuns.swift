/// Finds the runs of a block whose bytes look random: compressed or encrypted columns, LOBs, pages of an encrypted
/// table space. Deflate searches such bytes for matches only to store them in the end, and on a page of random
/// bytes libdeflate at level 6 is slower than on a page of rows; a block of mixed pages spends about half of its
/// deflate time there. ``GzipBlockCompressor`` writes these runs as stored blocks instead, a whole block of random
/// bytes as one run.
///
/// The block is read in windows of ``windowLength`` bytes. A window looks random when every third byte of it is
/// spread over the 256 values as evenly as random bytes are (a chi-square against the uniform distribution below
/// ``chiSquareLimit``: random bytes give 255 ± 23, text and database rows thousands, any byte-aligned structure
/// far more than the limit). A cheap test runs first, so that rows pay almost nothing: 32 bytes 32 apart, among
/// which rows repeat bytes many times over (spaces, digits, padding) and random bytes about twice.
enum RandomLookingRuns {
    /// Bytes judged at a time.
    static let windowLength = 1024
    /// Shortest run worth its own gzip member (each costs 32 bytes and restarts deflate's window).
    static let minimumRunLength = 4 * 1024
    /// Chi-square (255 degrees of freedom) under which a window's sample counts as random: over six standard
    /// deviations above random bytes' mean, so a random window is almost never missed.
    static let chiSquareLimit = 400

    /// The window-aligned ranges of `block`, each at least ``minimumRunLength`` long, whose windows all look random;
    /// in order, not touching.
    static func find(in block: UnsafeRawBufferPointer) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var runStart: Int?
        var offset = 0
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 256) { histogram in
            while offset + windowLength <= block.count {
                let window = UnsafeRawBufferPointer(rebasing: block[offset..<offset + windowLength])
                if looksRandom(window, histogram: histogram) {
                    if runStart == nil { runStart = offset }
                } else if let start = runStart {
                    if offset - start >= minimumRunLength { runs.append(start..<offset) }
                    runStart = nil
                }
                offset += windowLength
            }
        }
        if let start = runStart, offset - start >= minimumRunLength { runs.append(start..<offset) }
        return runs
    }

    /// Whether one window looks random; `histogram` is scratch space for 256 counts.
    static func looksRandom(_ window: UnsafeRawBufferPointer, histogram: UnsafeMutableBufferPointer<UInt16>) -> Bool {
        guard let base = window.baseAddress, window.count >= 64 else { return false }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        histogram.update(repeating: 0)
        // 32 bytes 32 apart: about 1.9 repeated pairs among random bytes, 14 or more with a chance of 2 in 10^8
        // (rows: about 25).
        var pairs = 0
        var index = 0
        while index < window.count {
            let value = Int(bytes[index])
            pairs += Int(histogram[value])
            histogram[value] &+= 1
            index += window.count / 32
        }
        if pairs >= 14 { return false }
        histogram.update(repeating: 0)
        var samples = 0
        index = 0
        while index < window.count {
            histogram[Int(bytes[index])] &+= 1
            samples += 1
            index += 3
        }
        var sumOfSquares = 0
        for count in histogram { sumOfSquares += Int(count) * Int(count) }
        // chi-square = 256 * Σ count² / samples − samples
        return 256 * sumOfSquares < (chiSquareLimit + samples) * samples
    }
}
