/// The three uncompressed streams of a native patch, built from covers.
struct PatchStreams {
    var commands = PatchByteWriter()
    var residuals = PatchByteWriter()
    var literals = [UInt8]()

    /// Zero runs shorter than this stay inside a raw residual run: a run break costs two varints.
    static let zeroRunBreak = 4

    /// Encodes `covers` (sorted, disjoint) of `new` over `old`.
    init(covers: [Cover], old: UnsafePointer<UInt8>, new: UnsafePointer<UInt8>, newCount: Int) {
        guard newCount > 0 else { return }
        var residualRun = ResidualRunEncoder()
        var previous = Cover(newPosition: 0, oldPosition: 0, length: 0)
        var literalTotal = 0
        for cover in covers + [Cover(newPosition: newCount, oldPosition: -1, length: 0)] {
            let previousEnd = previous.newPosition + previous.length
            let literal = cover.newPosition - previousEnd
            let move = cover.oldPosition < 0 ? 0 : cover.oldPosition - (previous.oldPosition + previous.length)
            commands.appendVarint(UInt64(previous.length))
            commands.appendVarint(UInt64(literal))
            commands.appendSignedVarint(Int64(move))
            for offset in 0..<previous.length {
                residualRun.add(new[previous.newPosition + offset] &- old[previous.oldPosition + offset], into: &residuals)
            }
            literalTotal += literal
            literals.append(contentsOf: UnsafeBufferPointer(start: new + previousEnd, count: literal))
            previous = cover
        }
        residualRun.finish(into: &residuals)
    }
}

/// Run-length codes residual bytes as (zero run, raw run, raw bytes) triples.
struct ResidualRunEncoder {
    private var zeros = 0
    private var raw = [UInt8]()
    private var gap = 0

    mutating func add(_ byte: UInt8, into writer: inout PatchByteWriter) {
        if byte == 0 {
            if raw.isEmpty { zeros += 1 } else { gap += 1 }
            return
        }
        if !raw.isEmpty && gap >= PatchStreams.zeroRunBreak {
            emit(into: &writer)
            zeros = gap
        } else if gap > 0 {
            raw.append(contentsOf: repeatElement(0, count: gap))
        }
        gap = 0
        raw.append(byte)
    }

    private mutating func emit(into writer: inout PatchByteWriter) {
        writer.appendVarint(UInt64(zeros))
        writer.appendVarint(UInt64(raw.count))
        writer.append(raw)
        zeros = 0
        raw.removeAll(keepingCapacity: true)
    }

    mutating func finish(into writer: inout PatchByteWriter) {
        if !raw.isEmpty {
            emit(into: &writer)
            zeros = gap
            gap = 0
        }
        if zeros > 0 { emit(into: &writer) }
    }
}
