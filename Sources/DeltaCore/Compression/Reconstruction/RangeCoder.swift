/// An adaptive binary range coder in the style of LZMA's: 11-bit probabilities that move a
/// thirty-second of the way towards each coded bit, a 32-bit range and byte-wise carry
/// propagation. Reconstruction data is a stream of such bits, most of them "the prediction
/// was right", which cost a small fraction of a bit each.
struct RangeEncoder {
    /// The coded bytes so far (complete only after ``finish()``).
    private(set) var bytes: [UInt8] = []
    private var low: UInt64 = 0
    private var range: UInt32 = 0xffff_ffff
    private var cache: UInt8 = 0
    private var cacheSize = 1

    /// Codes `bit` with the adaptive probability `probability` (of a zero), updating it.
    @inline(__always)
    mutating func encode(_ bit: Bool, _ probability: inout UInt16) {
        let bound = (range >> 11) &* UInt32(probability)
        if bit {
            low &+= UInt64(bound)
            range &-= bound
            probability &-= probability >> 5
        } else {
            range = bound
            probability &+= (2048 &- probability) >> 5
        }
        while range < 1 << 24 {
            range <<= 8
            shiftLow()
        }
    }

    /// Codes the low `count` bits of `value`, most significant first, at probability one half.
    mutating func encodeDirect(_ value: UInt32, count: Int) {
        var index = count
        while index > 0 {
            index -= 1
            range >>= 1
            if (value >> UInt32(index)) & 1 == 1 { low &+= UInt64(range) }
            while range < 1 << 24 {
                range <<= 8
                shiftLow()
            }
        }
    }

    private mutating func shiftLow() {
        if low < 0xff00_0000 || low >= 1 << 32 {
            let carry = UInt8(truncatingIfNeeded: low >> 32)
            var pending = cache
            repeat {
                bytes.append(pending &+ carry)
                pending = 0xff
                cacheSize -= 1
            } while cacheSize != 0
            cache = UInt8(truncatingIfNeeded: low >> 24)
        }
        cacheSize += 1
        low = (low & 0x00ff_ffff) << 8
    }

    /// Flushes the coder's state; ``bytes`` is then complete.
    mutating func finish() {
        for _ in 0..<5 { shiftLow() }
    }
}

/// Decodes what ``RangeEncoder`` wrote. Reading past the end yields zero bytes: every loop
/// that decodes is bounded by counts checked elsewhere, so hostile data cannot make it spin,
/// only decode nonsense that the caller refuses.
struct RangeDecoder {
    private let input: UnsafeRawBufferPointer
    /// The next byte to read (past the end once the data runs out).
    private(set) var offset: Int
    private var range: UInt32 = 0xffff_ffff
    private var code: UInt32 = 0

    /// Starts decoding `input` at `offset`.
    init(_ input: UnsafeRawBufferPointer, offset: Int) {
        self.input = input
        self.offset = offset
        for _ in 0..<5 { code = code << 8 | UInt32(nextByte()) }
    }

    /// Bytes consumed past the end of the input (a well-formed stream consumes none).
    var overrun: Int { max(0, offset - input.count) }

    @inline(__always)
    private mutating func nextByte() -> UInt8 {
        defer { offset += 1 }
        return offset < input.count ? input[offset] : 0
    }

    /// Decodes a bit coded with `probability`, updating it as the encoder did.
    @inline(__always)
    mutating func decode(_ probability: inout UInt16) -> Bool {
        let bound = (range >> 11) &* UInt32(probability)
        let bit: Bool
        if code < bound {
            range = bound
            probability &+= (2048 &- probability) >> 5
            bit = false
        } else {
            code &-= bound
            range &-= bound
            probability &-= probability >> 5
            bit = true
        }
        while range < 1 << 24 {
            range <<= 8
            code = code << 8 | UInt32(nextByte())
        }
        return bit
    }

    /// Decodes `count` bits coded by ``RangeEncoder/encodeDirect(_:count:)``.
    mutating func decodeDirect(count: Int) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            range >>= 1
            var bit: UInt32 = 0
            if code >= range {
                code &-= range
                bit = 1
            }
            value = value << 1 | bit
            while range < 1 << 24 {
                range <<= 8
                code = code << 8 | UInt32(nextByte())
            }
        }
        return value
    }
}

/// The probability a fresh context starts with: one half.
let initialProbability: UInt16 = 1024

/// Adaptive Elias-gamma coding of non-negative integers: the bit length of `value + 1` in
/// unary, then its lower bits, each with its own probability. Small values (the usual
/// corrections) cost a bit or two; values up to 2^32 - 2 are representable.
struct GammaModel {
    private var unary = [UInt16](repeating: initialProbability, count: 33)
    private var mantissa = [UInt16](repeating: initialProbability, count: 33 * 32)

    mutating func encode(_ value: UInt32, _ coder: inout RangeEncoder) {
        let x = UInt64(value) + 1
        let width = 64 - x.leadingZeroBitCount
        for step in 0..<(width - 1) { coder.encode(true, &unary[step]) }
        if width <= 32 { coder.encode(false, &unary[width - 1]) }
        var index = width - 1
        while index > 0 {
            index -= 1
            let slot = (width - 1) * 32 + min(index, 31)
            coder.encode((x >> UInt64(index)) & 1 == 1, &mantissa[slot])
        }
    }

    /// Decodes a value; nil when the coded bit length exceeds `maximumWidth` bits (at most 33).
    mutating func decode(_ coder: inout RangeDecoder, maximumWidth: Int = 33) -> UInt32? {
        var width = 1
        while width <= 32 && coder.decode(&unary[width - 1]) {
            width += 1
            if width > maximumWidth { return nil }
        }
        var x: UInt64 = 1
        var index = width - 1
        while index > 0 {
            index -= 1
            let slot = (width - 1) * 32 + min(index, 31)
            x = x << 1 | (coder.decode(&mantissa[slot]) ? 1 : 0)
        }
        let value = x - 1
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}
