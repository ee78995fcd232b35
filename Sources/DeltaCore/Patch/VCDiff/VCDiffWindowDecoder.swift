internal import CZlib

/// Runs one window's instructions into its target buffer (RFC 3284 sections 5 and 6).
///
/// Every size and address is checked before a byte moves: sizes against what is left of the
/// target window, COPY addresses against "here" and the source segment, ADD/RUN against the
/// data section. COPYs within the target may overlap the bytes they make; they are copied
/// forward, byte by byte where they overlap, as the RFC requires.
struct VCDiffWindowDecoder {
    let header: VCDiffWindowHeader
    let window: UInt64
    let base: SourceBlockCache

    func decode(
        data: UnsafeRawBufferPointer, instructions: UnsafeRawBufferPointer, addresses: UnsafeRawBufferPointer,
        into target: UnsafeMutableRawBufferPointer
    ) throws {
        var data = VCDiffSectionCursor(.data, bytes: data, window: window, windowOffset: header.offset)
        var instructions = VCDiffSectionCursor(
            .instructions, bytes: instructions, window: window, windowOffset: header.offset)
        var addresses = VCDiffSectionCursor(.addresses, bytes: addresses, window: window, windowOffset: header.offset)
        var cache = VCDiffAddressCache()
        let sourceLength = header.sourceLength
        let targetLength = UInt64(target.count)
        var produced: UInt64 = 0

        while instructions.remaining > 0 {
            let entry = VCDiffCodeTable.entries[Int(try instructions.readByte())]
            for half in 0..<2 {
                let instruction = half == 0 ? entry.0 : entry.1
                if instruction.kind == .noop { continue }
                let size = instruction.size != 0 ? UInt64(instruction.size) : try instructions.readInteger()
                guard size <= targetLength - produced else {
                    throw VCDiffError.targetOverflow(window: window, offset: header.offset)
                }
                let start = Int(produced)
                let count = Int(size)
                let destination = UnsafeMutableRawBufferPointer(rebasing: target[start..<start + count])
                switch instruction.kind {
                case .noop:
                    break
                case .add:
                    destination.copyMemory(from: try data.take(count))
                case .run:
                    destination.initializeMemory(as: UInt8.self, repeating: try data.readByte())
                case .copy:
                    let here = sourceLength + produced
                    // nil: the encoded value leaves 0..<2^64 (reported as UInt64.max).
                    let decoded = try cache.decode(mode: instruction.mode, here: here, from: &addresses)
                    guard let address = decoded, address < here else {
                        throw VCDiffError.addressOutOfRange(
                            address: decoded ?? .max, here: here, window: window, offset: header.offset)
                    }
                    if address < sourceLength {
                        guard size <= sourceLength - address else {
                            throw VCDiffError.copyPastSource(
                                address: address, size: size, sourceLength: sourceLength,
                                window: window, offset: header.offset)
                        }
                        try base.read(into: destination, at: header.sourcePosition + address)
                    } else {
                        copyWithinTarget(target, from: Int(address - sourceLength), to: start, count: count)
                    }
                }
                produced += size
            }
        }

        guard produced == targetLength else {
            throw VCDiffError.windowLengthMismatch(
                expected: targetLength, actual: produced, window: window, offset: header.offset)
        }
        for cursor in [data, addresses] where cursor.remaining > 0 {
            throw VCDiffError.unusedSectionData(cursor.section, window: window, offset: header.offset)
        }
        if let expected = header.adler32 {
            let actual = UInt32(
                truncatingIfNeeded: adler32(
                    1, target.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(target.count)))
            guard actual == expected else {
                throw VCDiffError.checksumMismatch(
                    expected: expected, actual: actual, window: window, offset: header.offset)
            }
        }
    }

    /// Copies `count` bytes from `source` to `destination` (source < destination) within
    /// the target: at once when the ranges do not overlap, else forward byte by byte, so
    /// that a COPY may repeat the bytes it has just written (RFC 3284 section 3).
    private func copyWithinTarget(
        _ target: UnsafeMutableRawBufferPointer, from source: Int, to destination: Int, count: Int
    ) {
        if source + count <= destination {
            UnsafeMutableRawBufferPointer(rebasing: target[destination..<destination + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: target[source..<source + count]))
        } else {
            for index in 0..<count { target[destination + index] = target[source + index] }
        }
    }
}
