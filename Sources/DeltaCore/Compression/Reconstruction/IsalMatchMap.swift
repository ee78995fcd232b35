/// ISA-L's level 3 matcher as its AVX-512 code runs it (`gen_icf_map_lh1_06`,
/// `set_long_icf_fg_06`, ISA-L 2.32), for ``IsalMatchEmulation``: a map of one match per
/// position, built 3808 positions (from 4096 bytes of input) at a time and parsed greedily.
///
/// A chunk starts where the parse of the one before crossed its end. Its first position is
/// looked up alone; the rest in vectors of 16, all 16 looked up before any is inserted, each
/// insertion a 32-bit store that also puts back the next table entry as the vector found it;
/// the table entry of the chunk's last looked-up position is put back after it. Each
/// position's match with its one candidate is compared on 8 bytes (4 or more counts) and
/// left for a literal when the next position's is longer. Then, 16 entries at a time, every
/// 8-byte match is compared on 8 more; the first to reach 16 is compared in full and handed
/// on to the entries after it, one shorter each, while (16 at a time) all are beaten; the
/// pass goes on after it.
struct IsalMatchMap {
    private static let inputBlock = 4096
    private static let lookAhead = 288
    private let mask = (1 << 15) - 1
    /// The newest position per hash value (all zero at first, as ISA-L's).
    private let table: UnsafeMutablePointer<Int32>
    /// The chunk mapped: its first position, how many it maps, and the entries (length 0: a
    /// literal), with room for matches handed on past its end.
    private var start = 0
    private var count = 0
    private var lengths: [Int] = []
    private var distances: [Int] = []
    private var candidates: [(length: Int, distance: Int)] = []

    /// Content bytes from a chunk's first position on that mapping it may read.
    static let readAhead = inputBlock + 64

    init() {
        table = .allocate(capacity: (1 << 15) + 1)
        table.initialize(repeating: 0, count: (1 << 15) + 1)
    }

    /// Frees the table; the owner calls it once.
    func deallocate() { table.deallocate() }

    /// The map's entry at `position`, a token's start; a new chunk starts there when it is
    /// past the one mapped.
    mutating func entry(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        if position >= start + count { build(from: position, content) }
        guard position >= start else { return (0, 0) }
        return (lengths[position - start], distances[position - start])
    }

    private mutating func build(from first: Int, _ content: MatchPredictor) {
        let available = content.count - first
        let input = min(Self.inputBlock, available)
        let excess = input - Self.lookAhead - 16
        let vectors = input <= Self.lookAhead ? max(1, (available + 14) / 16) : excess < 1 ? 1 : (excess + 15) / 16 + 1
        start = first
        count = min(16 * vectors, available)
        let inputEnd = first + input

        // Candidate matches for positions first...first + 16 × vectors.
        candidates.removeAll(keepingCapacity: true)
        let firstMatch = lookUp(first, content)
        candidates.append(first == 0 ? (0, 0) : firstMatch)  // the stream's first byte is a literal
        var slots = [Int](repeating: -1, count: 16)
        var neighbours = [Int32](repeating: 0, count: 16)
        var lastCandidate = Int32(0)
        for vector in 0..<vectors {
            let base = first + 1 + 16 * vector
            for lane in 0..<16 {
                let position = base + lane
                guard position + 4 <= content.count else {
                    slots[lane] = -1
                    candidates.append((0, 0))
                    continue
                }
                let slot = Int(IsalMatchEmulation.multiplyAddHash(content.word(at: position))) & mask
                slots[lane] = slot
                neighbours[lane] = table[slot + 1]
                let found = match(position, stored: table[slot], content)
                candidates.append(found.match)
                lastCandidate = found.candidate
            }
            for lane in 0..<16 where slots[lane] >= 0 {
                table[slots[lane]] = Int32(truncatingIfNeeded: base + lane)
                if slots[lane] < mask { table[slots[lane] + 1] = neighbours[lane] }
            }
        }
        if slots[15] >= 0 { table[slots[15]] = lastCandidate }

        // Entries: a match unless the next position's is longer.
        let room = count + 16 + 258
        lengths = [Int](repeating: 0, count: room)
        distances = [Int](repeating: 0, count: room)
        for index in 0..<count {
            let own = candidates[index]
            if own.length >= 4 && candidates[index + 1].length <= own.length {
                lengths[index] = own.length
                distances[index] = own.distance
            }
        }
        extendLongMatches(inputEnd: min(inputEnd, first + count + 258), content)
    }

    /// The second pass: 8-byte matches compared on 8 more, 16-byte ones in full and handed on.
    private mutating func extendLongMatches(inputEnd: Int, _ content: MatchPredictor) {
        let end = count
        var index = 0
        while index < end {
            let groupEnd = min(index + 16, end)
            var full = -1
            for lane in index..<groupEnd where lengths[lane] > 7 {
                let position = start + lane
                let more = content.matchLength(
                    position + 8, position + 8 - distances[lane], max(0, min(8, content.count - position - 8)))
                lengths[lane] = 8 + more
                if more == 8 && full < 0 { full = lane }
            }
            guard full >= 0 else {
                index += 16
                continue
            }
            let position = start + full
            let distance = distances[full]
            let total = 16 + content.matchLength(position + 16, position + 16 - distance, max(0, inputEnd - position - 16))
            // Handed on 16 entries at a time until a group has one it does not beat.
            var offset = 0
            while full + offset < lengths.count {
                var beatenAll = true
                for lane in 0..<16 where full + offset + lane < lengths.count {
                    let handed = total - offset - lane
                    if handed > lengths[full + offset + lane] && handed > 2 {
                        lengths[full + offset + lane] = min(handed, 258)
                        distances[full + offset + lane] = distance
                    } else {
                        beatenAll = false
                    }
                }
                if !beatenAll { break }
                offset += 16
            }
            index = full + max(1, min(total, end - 15 - full))
        }
    }

    /// Looks `position` up alone and inserts it: its candidate's match.
    private func lookUp(_ position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        guard position + 4 <= content.count else { return (0, 0) }
        let slot = Int(IsalMatchEmulation.multiplyAddHash(content.word(at: position))) & mask
        let found = match(position, stored: table[slot], content)
        table[slot] = Int32(truncatingIfNeeded: position)
        return found.match
    }

    /// The 8-byte match at `position` with the candidate a stored table entry names (length
    /// 0 when under 4), and that candidate.
    private func match(_ position: Int, stored: Int32, _ content: MatchPredictor) -> (
        match: (length: Int, distance: Int), candidate: Int32
    ) {
        let distance = ((position - Int(stored) - 1) & 0x7fff) + 1
        let candidate = Int32(truncatingIfNeeded: position - distance)
        guard distance <= position else { return ((0, 0), candidate) }
        let length = content.matchLength(position, position - distance, min(8, content.count - position))
        return (length >= 4 ? (length, distance) : (0, 0), candidate)
    }
}
