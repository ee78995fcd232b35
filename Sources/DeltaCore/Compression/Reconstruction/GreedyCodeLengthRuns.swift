/// RFC 1951 3.2.7's run-length coding of a dynamic header's code lengths, done greedily: a
/// nonzero length is written once and its repeats go in 16s of up to 6; zeros go in 18s of up
/// to 138, then one 17 of 3-10; what is left of a run is written out length by length. Go's
/// `compress/flate` (``GoBlockWriter``) and ISA-L (``IsalHeaderPredictor``) code their headers
/// this way (zlib's `scan_tree` and libdeflate do not).
enum GreedyCodeLengthRuns {
    /// Calls `emit` with each code-length symbol for `lengths` in order, and its extra bits'
    /// value (nil for a plain length 0-15).
    static func forEach(in lengths: [UInt8], _ emit: (_ symbol: UInt8, _ extra: Int?) -> Void) {
        var start = 0
        while start < lengths.count {
            let length = lengths[start]
            var run = 1
            while start + run < lengths.count && lengths[start + run] == length { run += 1 }
            start += run
            if length != 0 {
                emit(length, nil)
                run -= 1
                while run >= 3 {
                    let repeats = min(6, run)
                    emit(16, repeats - 3)
                    run -= repeats
                }
            } else {
                while run >= 11 {
                    let repeats = min(138, run)
                    emit(18, repeats - 11)
                    run -= repeats
                }
                if run >= 3 {
                    emit(17, run - 3)
                    run = 0
                }
            }
            for _ in 0..<run { emit(length, nil) }
        }
    }
}
