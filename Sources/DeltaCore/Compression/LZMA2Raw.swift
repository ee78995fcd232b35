internal import CLZMA

/// Settings of a raw LZMA2 stream (no xz container): what the encoder tunes per patch stream.
///
/// `lc`, `lp` and `pb` shape the model: text literals like `lc = 3`, byte-aligned tables and
/// varints like `lc = 0, pb = 0`. Only the dictionary size matters to a decoder, and it is
/// what bounds the decoder's memory.
public struct LZMA2Settings: Sendable, Equatable {
    /// The dictionary (window) size in bytes, 4 KiB to 1.5 GiB.
    public var dictionarySize: UInt32
    /// Literal context bits (0...4; lc + lp ≤ 4).
    public var literalContextBits: UInt32
    /// Literal position bits (0...4).
    public var literalPositionBits: UInt32
    /// Position bits (0...4).
    public var positionBits: UInt32
    /// The preset the other parameters start from (0...9), as `xz -N`.
    public var preset: UInt32
    /// As `xz -e`: slower, sometimes smaller.
    public var extreme: Bool
    /// The match length the encoder is content with (up to 273).
    public var niceLength: UInt32

    /// Creates settings; the defaults are `xz -9`'s with the largest nice length.
    public init(
        dictionarySize: UInt32 = 1 << 26, literalContextBits: UInt32 = 3, literalPositionBits: UInt32 = 0,
        positionBits: UInt32 = 2, preset: UInt32 = 9, extreme: Bool = false, niceLength: UInt32 = 273
    ) {
        self.dictionarySize = dictionarySize
        self.literalContextBits = literalContextBits
        self.literalPositionBits = literalPositionBits
        self.positionBits = positionBits
        self.preset = preset
        self.extreme = extreme
        self.niceLength = niceLength
    }

    /// The smallest power-of-two dictionary (at least 4 KiB, at most `cap`) that spans `count` bytes:
    /// a larger one costs the decoder memory and buys nothing.
    public static func dictionarySize(for count: Int, cap: UInt32) -> UInt32 {
        var size: UInt64 = 4096
        while size < UInt64(count) && size < UInt64(cap) { size <<= 1 }
        return UInt32(min(size, UInt64(cap)))
    }
}

/// Raw LZMA2 compression of whole buffers. The corresponding C function is `lzma_raw_encoder`.
public enum LZMA2RawEncoder {
    /// Compresses `input` into a raw LZMA2 stream (ending with LZMA2's end marker).
    /// - Parameter presetDictionary: bytes the stream may refer back to as if they preceded
    ///   it (at most the window's worth at their end counts); the decoder needs the same.
    public static func compress(
        _ input: UnsafeRawBufferPointer, settings: LZMA2Settings,
        presetDictionary: UnsafeRawBufferPointer? = nil
    ) throws(CompressionError) -> [UInt8] {
        var options = lzma_options_lzma()
        guard lzma_lzma_preset(&options, settings.preset | (settings.extreme ? CLZMA_presetExtreme() : 0)) == 0 else {
            throw .invalidSettings(.xz, detail: "LZMA2 preset \(settings.preset)")
        }
        options.dict_size = settings.dictionarySize
        options.lc = settings.literalContextBits
        options.lp = settings.literalPositionBits
        options.pb = settings.positionBits
        options.nice_len = settings.niceLength
        // liblzma copies the preset dictionary when the coder is created.
        Self.setPresetDictionary(presetDictionary, in: &options)
        let coder = try LZMAStreamCoder(call: "lzma_raw_encoder") { CLZMA_rawLZMA2Encoder($0, &options) }
        var output = [UInt8]()
        output.reserveCapacity(input.count / 2 + 4096)
        do {
            try coder.code(
                input, finishing: true, into: { output.append(contentsOf: $0) },
                failure: { .library(.xz, call: "lzma_code", code: Int32($0.rawValue)) })
        } catch let error as CompressionError {
            throw error
        } catch {
            preconditionFailure("the sink only appends, so only CompressionError is thrown: \(error)")
        }
        return output
    }
}

extension LZMA2RawEncoder {
    /// Points `options` at a preset dictionary (none when nil or empty), for the coder's
    /// creation only: liblzma copies it then.
    static func setPresetDictionary(_ dictionary: UnsafeRawBufferPointer?, in options: inout lzma_options_lzma) {
        guard let dictionary, let base = dictionary.baseAddress, dictionary.count > 0 else { return }
        options.preset_dict = base.assumingMemoryBound(to: UInt8.self)
        options.preset_dict_size = UInt32(min(dictionary.count, Int(UInt32.max)))
    }
}

/// Pull-style raw LZMA2 decoding with a bounded dictionary: the caller offers input and a
/// fixed output buffer, so a small stream that expands enormously never needs more memory.
public final class LZMA2RawDecoder {
    private var stream = lzma_stream()
    /// Whether LZMA2's end marker has been decoded.
    public private(set) var isFinished = false

    /// Creates a decoder with a dictionary of `dictionarySize` bytes (the memory it takes),
    /// primed with `presetDictionary` as the encoder was. The corresponding C function is
    /// `lzma_raw_decoder`.
    public init(dictionarySize: UInt32, presetDictionary: UnsafeRawBufferPointer? = nil) throws(CompressionError) {
        var options = lzma_options_lzma()
        options.dict_size = max(dictionarySize, 4096)
        LZMA2RawEncoder.setPresetDictionary(presetDictionary, in: &options)
        CLZMA_streamInit(&stream)
        let status = CLZMA_rawLZMA2Decoder(&stream, &options)
        guard status == LZMA_OK else { throw .library(.xz, call: "lzma_raw_decoder", code: Int32(status.rawValue)) }
    }

    deinit { lzma_end(&stream) }

    /// Decodes from `input` into `output`.
    /// - Returns: how many input bytes were consumed and output bytes produced.
    /// - Throws: ``CompressionError/corrupt(_:detail:)`` for invalid data.
    public func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(CompressionError) -> (consumed: Int, produced: Int)
    {
        guard !isFinished, output.count > 0 else { return (0, 0) }
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = output.count
        let status = lzma_code(&stream, LZMA_RUN)
        let consumed = input.count - stream.avail_in
        let produced = output.count - stream.avail_out
        stream.next_in = nil
        stream.avail_in = 0
        stream.next_out = nil
        stream.avail_out = 0
        switch status {
        case LZMA_OK, LZMA_BUF_ERROR:
            return (consumed, produced)
        case LZMA_STREAM_END:
            isFinished = true
            return (consumed, produced)
        case LZMA_DATA_ERROR, LZMA_FORMAT_ERROR, LZMA_OPTIONS_ERROR:
            throw .corrupt(.xz, detail: "invalid LZMA2 data")
        default:
            throw .library(.xz, call: "lzma_code", code: Int32(status.rawValue))
        }
    }
}
