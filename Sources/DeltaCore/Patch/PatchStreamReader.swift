/// Reads one stream of a native patch in order, decoding it on the fly into a small buffer.
///
/// The stream occupies `codedLength` bytes of the patch at a fixed offset and is read by
/// offset, so the streams of a patch can be consumed side by side from one file. It
/// refuses to produce more than its declared raw length, and ``finish()`` checks it ended
/// exactly there.
final class PatchStreamReader {
    /// Coded and decoded bytes held at a time, each; a patch has four streams side by side.
    static let bufferSize = 1 << 14

    let kind: NativePatchStream.Kind
    private let source: RandomAccessSource
    private var inputOffset: UInt64
    private var inputRemaining: UInt64
    private let rawLength: UInt64
    private var produced: UInt64 = 0
    private let decoder: LZMA2RawDecoder?
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0, inputEnd = 0
    let output: UnsafeMutableRawBufferPointer
    private(set) var outputStart = 0
    private(set) var outputEnd = 0
    /// Decoded bytes still to drop before this stream's own (the streams before it in a solid patch).
    private var skipLeft: UInt64
    /// Whether the codec's data ends with this stream (false for all but the last of a solid patch).
    private let endsCodedData: Bool

    /// Reads `stream` from `offset` in `source`. In a solid patch, `stream` carries the solid
    /// stream's codec and coded length with this stream's raw length; `skip` is the raw length
    /// of the streams before it, and `endsCodedData` is true for the last one only.
    /// `presetDictionary` primes an LZMA2 decoder (``NativePatchHeader/literalContextFeature``).
    init(
        _ stream: NativePatchStream, at offset: UInt64, in source: RandomAccessSource,
        skipping skip: UInt64 = 0, endsCodedData: Bool = true, presetDictionary: UnsafeRawBufferPointer? = nil
    ) throws {
        kind = stream.kind
        skipLeft = skip
        self.endsCodedData = endsCodedData
        self.source = source
        inputOffset = offset
        inputRemaining = stream.codedLength
        rawLength = stream.rawLength
        decoder =
            stream.codec == .lzma2
            ? try LZMA2RawDecoder(dictionarySize: stream.dictionarySize, presetDictionary: presetDictionary) : nil
        input = .allocate(byteCount: Self.bufferSize, alignment: 16)
        output = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    var available: Int { outputEnd - outputStart }

    /// Makes at least one decoded byte available; false at the declared end of the stream.
    func fill() throws -> Bool {
        if outputStart < outputEnd { return true }
        if produced == rawLength { return false }
        outputStart = 0
        outputEnd = 0
        guard let decoder else {
            let count = Int(min(inputRemaining, UInt64(output.count), rawLength - produced))
            guard count > 0 else { throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset) }
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: output[..<count]), at: inputOffset)
            inputOffset += UInt64(count)
            inputRemaining -= UInt64(count)
            produced += UInt64(count)
            outputEnd = count
            return true
        }
        var stalls = 0
        while true {
            if inputStart == inputEnd && inputRemaining > 0 { try refillInput() }
            let (consumed, count) = try decodeChunk(decoder)
            if count > 0 {
                let dropped = Int(min(skipLeft, UInt64(count)))
                skipLeft -= UInt64(dropped)
                let own = count - dropped
                guard own > 0 else { continue }
                // The solid stream goes on into the next stream's bytes; a stream that ends the data does not.
                guard UInt64(own) <= rawLength - produced || !endsCodedData else {
                    throw PatchFormatError.streamLengthMismatch(stream: "\(kind)")
                }
                let kept = Int(min(UInt64(own), rawLength - produced))
                produced += UInt64(kept)
                outputStart = dropped
                outputEnd = dropped + kept
                return true
            }
            if decoder.isFinished || (consumed == 0 && inputStart == inputEnd && inputRemaining == 0) {
                throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset)
            }
            if consumed == 0 {
                stalls += 1
                if stalls > 2 { throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset) }
            }
        }
    }

    private func refillInput() throws {
        let count = Int(min(inputRemaining, UInt64(input.count)))
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[..<count]), at: inputOffset)
        inputOffset += UInt64(count)
        inputRemaining -= UInt64(count)
        inputStart = 0
        inputEnd = count
    }

    private func decodeChunk(_ decoder: LZMA2RawDecoder) throws -> (Int, Int) {
        do {
            let (consumed, count) = try decoder.decode(
                UnsafeRawBufferPointer(rebasing: input[inputStart..<inputEnd]), into: output)
            inputStart += consumed
            return (consumed, count)
        } catch {
            throw PatchFormatError.invalidField("compressed \(kind) stream", offset: inputOffset)
        }
    }

    /// The next byte.
    @inline(__always)
    func readByte() throws -> UInt8 {
        if outputStart == outputEnd {
            guard try fill() else { throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset) }
        }
        let byte = output.load(fromByteOffset: outputStart, as: UInt8.self)
        outputStart += 1
        return byte
    }

    /// The next varint.
    func readVarint() throws -> UInt64 {
        var decoder = VarintDecoder()
        while true {
            switch decoder.feed(try readByte()) {
            case .success(let value?): return value
            case .success(nil): continue
            case .failure: throw PatchFormatError.invalidField("varint in the \(kind) stream", offset: inputOffset)
            }
        }
    }

    /// Up to `limit` decoded bytes (at least one), valid until the next call.
    func take(upTo limit: Int) throws -> UnsafeRawBufferPointer {
        guard try fill() else { throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset) }
        let count = min(limit, outputEnd - outputStart)
        defer { outputStart += count }
        return UnsafeRawBufferPointer(rebasing: output[outputStart..<outputStart + count])
    }

    /// Checks the stream was used exactly: every decoded byte consumed, the codec at its end.
    func finish() throws {
        guard outputStart == outputEnd, produced == rawLength else {
            throw PatchFormatError.streamLengthMismatch(stream: "\(kind)")
        }
        guard endsCodedData else { return }
        if let decoder {
            var rounds = 0
            while !decoder.isFinished {
                if inputStart == inputEnd {
                    guard inputRemaining > 0 else {
                        throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset)
                    }
                    try refillInput()
                }
                let (_, count) = try decodeChunk(decoder)
                // An empty last stream of a solid patch has yet to drop what precedes it.
                let dropped = Int(min(skipLeft, UInt64(count)))
                skipLeft -= UInt64(dropped)
                guard count == dropped else { throw PatchFormatError.streamLengthMismatch(stream: "\(kind)") }
                rounds = count > 0 ? 0 : rounds + 1
                if rounds > 4 && inputStart == inputEnd && inputRemaining == 0 && !decoder.isFinished {
                    throw PatchFormatError.truncated(section: "\(kind) stream", offset: inputOffset)
                }
            }
        }
        guard inputStart == inputEnd, inputRemaining == 0 else {
            throw PatchFormatError.streamLengthMismatch(stream: "\(kind)")
        }
    }
}

/// Where a residual stream is in its (varint zero-run length, varint raw-run length, raw
/// bytes) pairs; both residual streams are coded so.
struct ResidualRuns {
    var zerosLeft: UInt64 = 0
    var rawLeft: UInt64 = 0

    /// Passes over up to `limit` bytes of the current zero run; returns how many.
    mutating func skipZeros(upTo limit: Int) -> Int {
        let step = Int(min(zerosLeft, UInt64(limit)))
        zerosLeft -= UInt64(step)
        return step
    }

    /// Reads the next pair's lengths.
    mutating func readPair(from reader: PatchStreamReader) throws {
        zerosLeft = try reader.readVarint()
        rawLeft = try reader.readVarint()
    }

    /// Throws unless the stream ended exactly at the end of a pair.
    func finish(_ reader: PatchStreamReader, stream: String) throws {
        guard zerosLeft == 0, rawLeft == 0 else { throw PatchFormatError.streamLengthMismatch(stream: stream) }
        try reader.finish()
    }
}

/// The codes of the metadata residuals stream, one at a time, expanding its zero runs when it
/// is run-coded (``NativePatchHeader/metadataResidualRunsFeature``).
final class MetadataResidualReader {
    private let reader: PatchStreamReader
    private let runCoded: Bool
    private var runs = ResidualRuns()

    init(_ reader: PatchStreamReader, runCoded: Bool) {
        self.reader = reader
        self.runCoded = runCoded
    }

    /// The next code. A hostile stream of empty run pairs still consumes two bytes a pair, so
    /// it ends in a truncation error rather than a spin.
    func readByte() throws -> UInt8 {
        guard runCoded else { return try reader.readByte() }
        while true {
            if runs.skipZeros(upTo: 1) == 1 { return 0 }
            if runs.rawLeft > 0 {
                runs.rawLeft -= 1
                return try reader.readByte()
            }
            try runs.readPair(from: reader)
        }
    }

    /// Applies the next `count` codes to metadata bytes: 0 keeps a byte, 0xFF takes the code
    /// after it as the byte, any other code is the byte. They replace rather than add: new
    /// headers resemble each other more than the old ones (one new mtime for every file), so
    /// replacements repeat. Runs of zeros are skipped whole.
    func replace(in bytes: UnsafeMutablePointer<UInt8>, count: Int) throws {
        var index = 0
        while index < count {
            let skipped = runs.skipZeros(upTo: count - index)
            if skipped > 0 {
                index += skipped
                continue
            }
            let code = try readByte()
            if code != 0 { bytes[index] = code == 0xFF ? try readByte() : code }
            index += 1
        }
    }

    func finish() throws {
        try runs.finish(reader, stream: "metadata residuals")
    }
}

/// Adds the residual stream's bytes to copied bytes. The stream is a sequence of pairs
/// (varint zero-run length, varint raw-run length, raw bytes) spanning every copied byte.
final class ResidualApplier {
    private let reader: PatchStreamReader
    private var runs = ResidualRuns()

    init(_ reader: PatchStreamReader) { self.reader = reader }

    func apply(to bytes: UnsafeMutablePointer<UInt8>, count: Int) throws {
        var done = 0
        while done < count {
            let skipped = runs.skipZeros(upTo: count - done)
            if skipped > 0 {
                done += skipped
            } else if runs.rawLeft > 0 {
                let chunk = try reader.take(upTo: Int(min(runs.rawLeft, UInt64(count - done))))
                for index in 0..<chunk.count { bytes[done + index] &+= chunk[index] }
                done += chunk.count
                runs.rawLeft -= UInt64(chunk.count)
            } else {
                try runs.readPair(from: reader)
            }
        }
    }

    func finish() throws {
        try runs.finish(reader, stream: "residuals")
    }
}
