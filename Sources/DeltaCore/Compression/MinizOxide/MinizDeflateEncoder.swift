/// Raw deflate (RFC 1951) that produces exactly what Rust's miniz_oxide writes (the default
/// backend of `flate2`, so of maturin's sdists and most Rust tools' `.tar.gz`), checked against
/// Debian's miniz_oxide 0.6.2 through flate2 1.0.25 at levels 0 and 2 to 9.
///
/// miniz_oxide is a port of miniz's `tdefl`: a 32 KiB circular dictionary with 15-bit hashes
/// of 3 bytes and 16-bit chain links (a link to position 0 ends a chain), a match search that
/// probes `1 + (probes + 2) / 3` chain entries (fewer once a match of 32 is in hand), drops
/// 3-byte matches 8 KiB or more away, lazy matching (greedy at levels 2 and 3) that takes any
/// match of 128 or more at once, and a block whenever its code buffer (64 KiB, one flag byte
/// per 8 codes) is nearly full or, past 31 KiB of input, the codes take more than 1/1.11 of
/// it. Each block is fixed-coded under 48 bytes, else dynamic (``MinizHuffman``), and stored
/// instead when its coded bytes reach its size. Level 0 stores everything in blocks of
/// about 31 KiB. Level 1 (`compress_fast`) is not reproduced.
///
/// Wrap it in ``GzipMemberEncoder`` with flate2's header (``flate2Header(level:)``).
public final class MinizDeflateEncoder: StreamEncoder {
    /// Names the miniz_oxide versions whose output this reproduces; recorded in recipes.
    public static let compatibilityVersion = "miniz_oxide-0.6.2/1"
    /// The encoder generation recipes record (``DeflateProducer/minizOxide(generation:)``).
    public static let generation = 1
    /// The generations this build reproduces.
    public static let generations = 1...1
    /// The levels reproduced: 0 and 2 to 9.
    public static let levels = [0, 2, 3, 4, 5, 6, 7, 8, 9]

    static let dictSize = 32768
    static let dictMask = dictSize - 1
    static let maxMatch = 258
    static let minMatch = 3
    static let hashSize = 1 << 15
    static let codeBufferSize = 64 * 1024
    static let probesPerLevel: [Int] = [0, 1, 6, 32, 16, 32, 128, 256, 512, 768, 1500]

    private let greedy: Bool
    private let storedOnly: Bool
    private let probes: (Int, Int)
    /// The dictionary, with its first 257 bytes repeated after it for reads across the wrap
    /// (and 8 more so that 8-byte reads stay inside).
    private let dict: UnsafeMutablePointer<UInt8>
    private let next: UnsafeMutablePointer<UInt16>
    private let head: UnsafeMutablePointer<UInt16>
    // The state below is touched per byte: the runtime's exclusivity checks on it took 18 %
    // of a rebuild's time (perf, the 61 MB Django tar), and no access to it overlaps another.
    @exclusivity(unchecked) private var lookaheadPos = 0
    @exclusivity(unchecked) private var lookaheadSize = 0
    @exclusivity(unchecked) private var dictFill = 0
    @exclusivity(unchecked) private var blockDictPos = 0
    @exclusivity(unchecked) private var savedLiteral: UInt8 = 0
    @exclusivity(unchecked) private var savedDistance = 0
    @exclusivity(unchecked) private var savedLength = 0
    /// The block's codes (Go's token layout) and miniz's accounting of its code buffer.
    @exclusivity(unchecked) private var tokens: [UInt32] = []
    @exclusivity(unchecked) private var codePosition = 1
    @exclusivity(unchecked) private var flagsLeft = 8
    @exclusivity(unchecked) private var blockBytes = 0
    @exclusivity(unchecked) private var huffman = MinizHuffman()
    @exclusivity(unchecked) private var bits = MinizBitWriter()
    private var finished = false

    /// Creates an encoder for flate2's `Compression::new(level)` on miniz_oxide.
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` for level 1 (not reproduced)
    ///   or a level outside 0 to 9.
    public init(level: Int) throws(CompressionError) {
        guard Self.levels.contains(level) else { throw .invalidSettings(.gzip, detail: "miniz_oxide level \(level)") }
        let flags = Self.probesPerLevel[level]
        probes = (1 + (flags + 2) / 3, 1 + ((flags >> 2) + 2) / 3)
        greedy = level <= 3
        storedOnly = level == 0
        dict = .allocate(capacity: Self.dictSize + Self.maxMatch + 8)
        dict.initialize(repeating: 0, count: Self.dictSize + Self.maxMatch + 8)
        next = .allocate(capacity: Self.dictSize)
        next.initialize(repeating: 0, count: Self.dictSize)
        head = .allocate(capacity: Self.hashSize)
        head.initialize(repeating: 0, count: Self.hashSize)
        tokens.reserveCapacity(Self.codeBufferSize)
    }

    deinit {
        dict.deallocate(); next.deallocate(); head.deallocate()
    }

    /// The header flate2's `GzEncoder` writes: mtime 0 (unless set), XFL 2 from level 9, 4 at
    /// level 1 and below, 0 otherwise, OS 255.
    public static func flate2Header(level: Int, modificationTime: UInt32 = 0) -> GzipHeader {
        GzipHeader(
            modificationTime: modificationTime, operatingSystem: 255, extraFlags: level >= 9 ? 2 : level <= 1 ? 4 : 0)
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        try compress(input.bindMemory(to: UInt8.self), finishing: false, sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try compress(UnsafeBufferPointer(start: nil, count: 0), finishing: true, sink)
        try flushBlock(final: true, sink)
        try bits.flush(into: sink, force: true)
    }

    // MARK: compress_normal

    @inline(__always)
    private func read16(_ position: Int) -> UInt16 {
        UInt16(dict[position]) | UInt16(dict[position + 1]) << 8
    }

    private func findMatch(maxDistance: Int, maxLength requested: Int, length start: Int) -> (
        distance: Int, length: Int
    ) {
        let maxLength = min(Self.maxMatch, requested)
        var matchLength = max(start, 1), matchDistance = 0
        let position = lookaheadPos & Self.dictMask
        var probe = position
        var probesLeft = matchLength >= 32 ? probes.1 : probes.0
        if maxLength <= matchLength { return (matchDistance, matchLength) }
        var lastTwo = read16(position + matchLength - 1)
        let firstTwo = read16(position)
        candidates: while true {
            var distance = 0
            search: while true {
                probesLeft -= 1
                if probesLeft == 0 { return (matchDistance, matchLength) }
                for _ in 0..<3 {
                    let link = Int(next[probe])
                    distance = (lookaheadPos - link) & 0xffff
                    if link == 0 || distance > maxDistance { return (matchDistance, matchLength) }
                    probe = link & Self.dictMask
                    if read16(probe + matchLength - 1) == lastTwo { break search }
                }
            }
            if distance == 0 { return (matchDistance, matchLength) }
            if read16(probe) != firstTwo { continue }
            var p = position + 2, q = probe + 2
            for _ in 0..<32 {
                let a = UInt64(littleEndian: UnsafeRawPointer(dict + p).loadUnaligned(as: UInt64.self))
                let b = UInt64(littleEndian: UnsafeRawPointer(dict + q).loadUnaligned(as: UInt64.self))
                let difference = a ^ b
                if difference == 0 {
                    p += 8
                    q += 8
                    continue
                }
                let length = p - position + difference.trailingZeroBitCount >> 3
                if length > matchLength {
                    matchDistance = distance
                    matchLength = min(maxLength, length)
                    if matchLength == maxLength { return (matchDistance, matchLength) }
                    lastTwo = read16(position + matchLength - 1)
                }
                continue candidates
            }
            return (distance, min(maxLength, Self.maxMatch))
        }
    }

    private func recordLiteral(_ literal: UInt8) {
        blockBytes += 1
        tokens.append(GoFlateToken.literal(literal))
        codePosition += 1
        consumeFlag()
        huffman.counts[0][Int(literal)] &+= 1
    }

    private func recordMatch(length: Int, distance: Int) {
        blockBytes += length
        tokens.append(GoFlateToken.match(length: length, distance: distance))
        codePosition += 3
        consumeFlag()
        huffman.counts[1][Int(GoFlateSymbols.distanceCode[distance - 1])] &+= 1
        huffman.counts[0][GoFlateSymbols.firstLengthSymbol + Int(GoFlateSymbols.lengthCode[length - 3])] &+= 1
    }

    @inline(__always)
    private func consumeFlag() {
        flagsLeft -= 1
        if flagsLeft == 0 {
            flagsLeft = 8
            codePosition += 1
        }
    }

    @inline(__always)
    private func insert(_ position: Int, hash: Int) {
        next[position & Self.dictMask] = head[hash]
        head[hash] = UInt16(truncatingIfNeeded: position)
    }

    private func compress(_ input: UnsafeBufferPointer<UInt8>, finishing: Bool, _ sink: ChunkSink) throws {
        let hashMask = Self.hashSize - 1
        var source = 0
        while source < input.count || (finishing && lookaheadSize != 0) {
            let count = min(input.count - source, Self.maxMatch - lookaheadSize)
            if lookaheadSize + dictFill >= Self.minMatch - 1 && count > 0 {
                var destination = (lookaheadPos + lookaheadSize) & Self.dictMask
                var insertAt = lookaheadPos + lookaheadSize - 2
                var hash =
                    (Int(dict[insertAt & Self.dictMask]) << 5 ^ Int(dict[(insertAt + 1) & Self.dictMask])) & hashMask
                lookaheadSize += count
                for index in source..<source + count {
                    let byte = input[index]
                    dict[destination] = byte
                    if destination < Self.maxMatch - 1 { dict[Self.dictSize + destination] = byte }
                    hash = (hash << 5 ^ Int(byte)) & hashMask
                    insert(insertAt, hash: hash)
                    destination = (destination + 1) & Self.dictMask
                    insertAt += 1
                }
            } else {
                for index in source..<source + count {
                    let byte = input[index]
                    let destination = (lookaheadPos + lookaheadSize) & Self.dictMask
                    dict[destination] = byte
                    if destination < Self.maxMatch - 1 { dict[Self.dictSize + destination] = byte }
                    lookaheadSize += 1
                    if lookaheadSize + dictFill >= Self.minMatch {
                        let insertAt = lookaheadPos + lookaheadSize - 3
                        let hash =
                            (Int(dict[insertAt & Self.dictMask]) << 10 ^ Int(dict[(insertAt + 1) & Self.dictMask]) << 5
                                ^ Int(byte)) & hashMask
                        insert(insertAt, hash: hash)
                    }
                }
            }
            source += count
            dictFill = min(Self.dictSize - lookaheadSize, dictFill)
            if !finishing && lookaheadSize < Self.maxMatch { break }

            var moved = 1
            var distance = 0
            var length = savedLength != 0 ? savedLength : Self.minMatch - 1
            let position = lookaheadPos & Self.dictMask
            if !storedOnly {
                (distance, length) = findMatch(maxDistance: dictFill, maxLength: lookaheadSize, length: length)
            }
            if (length == Self.minMatch && distance >= 8 * 1024) || position == distance {
                distance = 0
                length = 0
            }
            if savedLength != 0 {
                if length > savedLength {
                    recordLiteral(savedLiteral)
                    if length >= 128 {
                        recordMatch(length: length, distance: distance)
                        savedLength = 0
                        moved = length
                    } else {
                        savedLiteral = dict[position]
                        savedDistance = distance
                        savedLength = length
                    }
                } else {
                    recordMatch(length: savedLength, distance: savedDistance)
                    moved = savedLength - 1
                    savedLength = 0
                }
            } else if distance == 0 {
                recordLiteral(dict[position])
            } else if greedy || length >= 128 {
                recordMatch(length: length, distance: distance)
                moved = length
            } else {
                savedLiteral = dict[position]
                savedDistance = distance
                savedLength = length
            }
            lookaheadPos += moved
            lookaheadSize -= moved
            dictFill = min(dictFill + moved, Self.dictSize)
            let tight = codePosition > Self.codeBufferSize - 8
            let fat = (codePosition * 115) >> 7 >= blockBytes
            if tight || (blockBytes > 31 * 1024 && (fat || storedOnly)) {
                try flushBlock(final: false, sink)
            }
        }
    }

    // MARK: flush_block

    private func flushBlock(final: Bool, _ sink: ChunkSink) throws {
        bits.put(final ? 1 : 0, 1)
        let saved = bits.save()
        // Whether the block's bytes are all still in the dictionary, so that it can be stored.
        let storable = lookaheadPos - blockDictPos <= dictFill
        if !storedOnly { writeCodedBlock(fixed: blockBytes < 48) }
        let expanded = blockBytes > 32 && bits.completeBytes - saved.completeBytes + 1 >= blockBytes && storable
        if storedOnly && !storable {
            writeCodedBlock(fixed: true)
        } else if storedOnly || expanded {
            bits.load(saved)
            bits.put(0, 2)
            bits.padToByte()
            bits.put(UInt32(blockBytes & 0xffff), 16)
            bits.put(UInt32(~blockBytes & 0xffff), 16)
            for index in 0..<blockBytes { bits.put(UInt32(dict[(blockDictPos + index) & Self.dictMask]), 8) }
        }
        if final { bits.padToByte() }
        for index in 0..<288 { huffman.counts[0][index] = 0 }
        for index in 0..<32 { huffman.counts[1][index] = 0 }
        tokens.removeAll(keepingCapacity: true)
        codePosition = 1
        flagsLeft = 8
        blockDictPos += blockBytes
        blockBytes = 0
        try bits.flush(into: sink)
    }

    private func writeCodedBlock(fixed: Bool) {
        if fixed {
            huffman.useFixedCodes()
            bits.put(1, 2)
        } else {
            writeDynamicHeader()
        }
        let literalCodes = huffman.codes[0], literalLengths = huffman.lengths[0]
        let distanceCodes = huffman.codes[1], distanceLengths = huffman.lengths[1]
        for token in tokens {
            if token < GoFlateToken.matchFlag {
                bits.put(UInt32(literalCodes[Int(token)]), Int(literalLengths[Int(token)]))
                continue
            }
            let length = Int(token >> 22 & 0xff)
            let lengthCode = Int(GoFlateSymbols.lengthCode[length])
            let lengthSymbol = GoFlateSymbols.firstLengthSymbol + lengthCode
            bits.put(UInt32(literalCodes[lengthSymbol]), Int(literalLengths[lengthSymbol]))
            let lengthExtra = Int(GoFlateSymbols.lengthExtraBits[lengthCode])
            if lengthExtra > 0 { bits.put(UInt32(length) - GoFlateSymbols.lengthBase[lengthCode], lengthExtra) }
            let distance = Int(token & 0x3f_ffff)
            let distanceCode = Int(GoFlateSymbols.distanceCode[distance])
            bits.put(UInt32(distanceCodes[distanceCode]), Int(distanceLengths[distanceCode]))
            let distanceExtra = Int(GoFlateSymbols.distanceExtraBits[distanceCode])
            if distanceExtra > 0 {
                bits.put(UInt32(distance) - GoFlateSymbols.distanceBase[distanceCode], distanceExtra)
            }
        }
        bits.put(UInt32(literalCodes[256]), Int(literalLengths[256]))
    }

    /// miniz's `start_dynamic_block`: both codes, the code lengths run-length coded its way
    /// (runs of a length flushed at 6 repeats, of zeros at 138), their code, the header.
    private func writeDynamicHeader() {
        huffman.counts[0][256] = 1
        huffman.build(table: 0, limit: 15)
        huffman.build(table: 1, limit: 15)
        var literals = 286
        while literals > 257 && huffman.lengths[0][literals - 1] == 0 { literals -= 1 }
        var distances = 30
        while distances > 1 && huffman.lengths[1][distances - 1] == 0 { distances -= 1 }
        let all = Array(huffman.lengths[0][0..<literals]) + Array(huffman.lengths[1][0..<distances])
        var packed: [UInt8] = []
        for index in 0..<19 { huffman.counts[2][index] = 0 }
        var zeros = 0, repeats = 0, previous: UInt8 = 0xff
        func flushRepeats() {
            guard repeats != 0 else { return }
            if repeats < 3 {
                huffman.counts[2][Int(previous)] &+= UInt16(repeats)
                packed += [UInt8](repeating: previous, count: repeats)
            } else {
                huffman.counts[2][16] &+= 1
                packed += [16, UInt8(repeats - 3)]
            }
            repeats = 0
        }
        func flushZeros() {
            guard zeros != 0 else { return }
            if zeros < 3 {
                huffman.counts[2][0] &+= UInt16(zeros)
                packed += [UInt8](repeating: 0, count: zeros)
            } else if zeros <= 10 {
                huffman.counts[2][17] &+= 1
                packed += [17, UInt8(zeros - 3)]
            } else {
                huffman.counts[2][18] &+= 1
                packed += [18, UInt8(zeros - 11)]
            }
            zeros = 0
        }
        for length in all {
            if length == 0 {
                flushRepeats()
                zeros += 1
                if zeros == 138 { flushZeros() }
            } else {
                flushZeros()
                if length != previous {
                    flushRepeats()
                    huffman.counts[2][Int(length)] &+= 1
                    packed.append(length)
                } else {
                    repeats += 1
                    if repeats == 6 { flushRepeats() }
                }
            }
            previous = length
        }
        if repeats != 0 { flushRepeats() } else { flushZeros() }
        huffman.build(table: 2, limit: 7)
        bits.put(2, 2)
        bits.put(UInt32(literals - 257), 5)
        bits.put(UInt32(distances - 1), 5)
        var listed = 18
        while listed >= 0 && huffman.lengths[2][GoFlateSymbols.codeLengthOrder[listed]] == 0 { listed -= 1 }
        listed = max(4, listed + 1)
        bits.put(UInt32(listed - 4), 4)
        for index in 0..<listed { bits.put(UInt32(huffman.lengths[2][GoFlateSymbols.codeLengthOrder[index]]), 3) }
        var index = 0
        while index < packed.count {
            let symbol = Int(packed[index])
            index += 1
            bits.put(UInt32(huffman.codes[2][symbol]), Int(huffman.lengths[2][symbol]))
            if symbol >= 16 {
                bits.put(UInt32(packed[index]), [2, 3, 7][symbol - 16])
                index += 1
            }
        }
    }
}

/// miniz's output bits: whole bytes as soon as they are complete, so that a block's coded
/// size in bytes can be compared with its stored size, and a rollback to a saved point (the
/// start of a block that is then stored).
struct MinizBitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0
    /// Bytes passed on already.
    private var passed = 0

    struct Mark { var completeBytes: Int; var buffer: UInt64; var count: Int }

    /// Bytes complete so far, passed on or not.
    var completeBytes: Int { passed + bytes.count }

    @inline(__always)
    mutating func put(_ value: UInt32, _ length: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += length
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    mutating func padToByte() { if count != 0 { put(0, 8 - count) } }

    func save() -> Mark { Mark(completeBytes: completeBytes, buffer: buffer, count: count) }

    /// Back to `mark`, which must lie after the bytes already passed on.
    mutating func load(_ mark: Mark) {
        bytes.removeSubrange((mark.completeBytes - passed)...)
        buffer = mark.buffer
        count = mark.count
    }

    /// Passes the complete bytes on; with `force`, the last partial byte too (the stream's end).
    mutating func flush(into sink: ChunkSink, force: Bool = false) throws {
        if force { padToByte() }
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { try sink($0) }
        passed += bytes.count
        bytes.removeAll(keepingCapacity: true)
    }
}
