/// The three uncompressed streams of a native patch, built from covers.
struct PatchStreams {
    var commands = PatchByteWriter()
    var residuals = PatchByteWriter()
    var headerResiduals = [UInt8]()
    var literals = [UInt8]()

    /// Whether the applier may recompute tar header checksums (every header's is canonical).
    var fixesTarChecksums = false
    /// Whether the metadata residuals are run-coded (whenever there are any).
    var runCodesMetadata = false

    /// `canonicalChecksums` tells whether every ustar header of the new file holds its
    /// checksum as the applier would write it (``tarChecksumsAreCanonical(_:count:)`` of the
    /// new file, which `new` is not when the applier renames its headers).
    init(
        covers: [Cover], old: UnsafePointer<UInt8>, new: UnsafePointer<UInt8>, newCount: Int,
        canonicalChecksums: Bool, tuning: DiffTuning
    ) {
        guard newCount > 0 else { return }
        fixesTarChecksums = canonicalChecksums
        var residualRun = ResidualRunEncoder(zeroRunBreak: tuning.zeroRunBreak)
        var previous = Cover(newPosition: 0, oldPosition: 0, length: 0)
        var layout = TarBlockTracker()
        for cover in covers + [Cover(newPosition: newCount, oldPosition: -1, length: 0)] {
            let previousEnd = previous.newPosition + previous.length
            let literal = cover.newPosition - previousEnd
            let move = cover.oldPosition < 0 ? 0 : cover.oldPosition - (previous.oldPosition + previous.length)
            commands.appendVarint(UInt64(previous.length))
            commands.appendVarint(UInt64(literal))
            commands.appendSignedVarint(Int64(move))
            var offset = 0
            while offset < previous.length {
                let region = layout.region
                let step = Int(min(UInt64(previous.length - offset), region.end - layout.position))
                for index in offset..<offset + step {
                    let newByte = new[previous.newPosition + index], oldByte = old[previous.oldPosition + index]
                    if region.isMetadata {
                        // The applier rewrites header checksums: whatever lands there is free.
                        if newByte == oldByte
                            || (fixesTarChecksums
                                && region.headerStart.map {
                                    TarBlockTracker.checksumField.contains(previous.newPosition + index - Int($0))
                                } ?? false)
                        {
                            headerResiduals.append(0)
                        } else if newByte == 0 || newByte == 0xFF {
                            headerResiduals.append(0xFF)
                            headerResiduals.append(newByte)
                        } else {
                            headerResiduals.append(newByte)
                        }
                    } else {
                        let residual = newByte &- oldByte
                        residualRun.add(residual, into: &residuals)
                    }
                }
                layout.consume(UnsafeRawBufferPointer(start: new + previous.newPosition + offset, count: step))
                offset += step
            }
            literals.append(contentsOf: UnsafeBufferPointer(start: new + previousEnd, count: literal))
            layout.consume(UnsafeRawBufferPointer(start: new + previousEnd, count: literal))
            previous = cover
        }
        residualRun.finish(into: &residuals)
        if !headerResiduals.isEmpty {
            var coded = PatchByteWriter()
            var metadataRun = ResidualRunEncoder(zeroRunBreak: tuning.metadataZeroRunBreak)
            for code in headerResiduals { metadataRun.add(code, into: &coded) }
            metadataRun.finish(into: &coded)
            headerResiduals = coded.bytes
            runCodesMetadata = true
        }
    }
}

extension PatchStreams {
    /// Whether every ustar header block of `new` holds its checksum as the applier would write it.
    static func tarChecksumsAreCanonical(_ new: UnsafePointer<UInt8>, count: Int) -> Bool {
        var layout = TarBlockTracker()
        var headers = 0
        var canonical = true
        layout.consume(UnsafeRawBufferPointer(start: new, count: count)) { block, _ in
            guard TarBlockTracker.isUstar(block) else { return }
            headers += 1
            if Array(block[TarBlockTracker.checksumField]) != TarBlockTracker.canonicalChecksum(of: block) {
                canonical = false
            }
        }
        return canonical && headers > 0
    }
}

/// Run-length codes residual bytes as (zero run, raw run, raw bytes) triples.
struct ResidualRunEncoder {
    /// Zero runs shorter than this stay inside a raw residual run: a run break costs two varints.
    let zeroRunBreak: Int
    private var zeros = 0
    private var raw = [UInt8]()
    private var gap = 0

    init(zeroRunBreak: Int) { self.zeroRunBreak = zeroRunBreak }

    mutating func add(_ byte: UInt8, into writer: inout PatchByteWriter) {
        if byte == 0 {
            if raw.isEmpty { zeros += 1 } else { gap += 1 }
            return
        }
        if !raw.isEmpty && gap >= zeroRunBreak {
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
