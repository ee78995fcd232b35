/// Finds covers of a new file over an old one, bsdiff's way: exact matches from the suffix
/// array, each stretched forwards and backwards while it still agrees on more than half of
/// its bytes (the rest go to the residual), and a new match taken only when it beats the
/// current alignment by a margin, since continuing an alignment costs nothing in controls.
struct MatchFinder {
    let old: UnsafePointer<UInt8>
    let oldCount: Int
    let index: SuffixArray
    /// Where each two-byte prefix's run of suffixes starts (65,537 entries), to skip most of
    /// the binary search.
    let prefixStarts: UnsafeMutablePointer<Int32>

    /// How much longer than the current alignment's agreement a new match must be.
    var switchMargin = 8
    /// Extensions maximise `agreeWeight * agreeing - stepWeight * length`: 2 and 1 (bsdiff's)
    /// keep stretching while more than half the bytes agree.
    var agreeWeight = 2
    var stepWeight = 1
    /// The margin inside tar metadata, where headers all look alike (so a longer match is often
    /// another file's header) and the aligned header's differences are cheap residuals.
    var metadataMargin = 64
    /// Eighths of a byte of extra margin per bit of the jump a new match makes from the current
    /// alignment: a far jump costs a longer move in the commands stream.
    var jumpWeight = 0
    /// How many suffix-array neighbours of a longest match to compare for nearness.
    var tieSearch = 32
    /// Tar metadata regions of the new file, sorted.
    var metadataRanges: [Range<Int>] = []

    init(old: UnsafeRawBufferPointer, index: SuffixArray) {
        self.old = old.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        self.oldCount = old.count
        self.index = index
        prefixStarts = .allocate(capacity: 65_537)
        // Entry 0 is the empty suffix; a one-byte suffix sorts with key (byte, 0).
        var slot = 1
        for key in 0..<65_536 {
            while slot <= oldCount && Self.key(at: Int(index.positions[slot]), old: self.old, count: oldCount) < key {
                slot += 1
            }
            prefixStarts[key] = Int32(slot)
        }
        prefixStarts[65_536] = Int32(oldCount + 1)
    }

    func free() { prefixStarts.deallocate() }

    @inline(__always)
    static func key(at position: Int, old: UnsafePointer<UInt8>, count: Int) -> Int {
        let high = Int(old[position]) << 8
        return position + 1 < count ? high | Int(old[position + 1]) : high
    }

    /// The length of the common prefix of `a` and `b`, at most `limit`.
    @inline(__always)
    static func commonPrefix(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, from start: Int, limit: Int) -> Int {
        var length = start
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while length + 8 <= limit {
            let x = rawA.loadUnaligned(fromByteOffset: length, as: UInt64.self)
            let y = rawB.loadUnaligned(fromByteOffset: length, as: UInt64.self)
            if x != y { return length + ((x ^ y).littleEndian.trailingZeroBitCount >> 3) }
            length += 8
        }
        while length < limit && a[length] == b[length] { length += 1 }
        return length
    }

    /// The longest match in the old file for `pattern[0..<count]`: (old position, length).
    ///
    /// Among the old positions with that longest match, the one nearest `near` wins (looking at
    /// up to ``tieSearch`` neighbours in the suffix array each way): a short move costs fewer
    /// command bytes than a far one, and often continues a run of nearby matches.
    func longestMatch(_ pattern: UnsafePointer<UInt8>, count: Int, near: Int) -> (position: Int, length: Int) {
        guard oldCount > 0, count > 0 else { return (0, 0) }
        var low: Int, high: Int
        if count >= 2 {
            let key = Int(pattern[0]) << 8 | Int(pattern[1])
            low = Int(prefixStarts[key])
            high = Int(prefixStarts[key + 1]) - 1
            if low > high {
                // No two-byte match: settle for a one-byte one, which is never worth a cover.
                return (0, 0)
            }
        } else {
            low = 1
            high = oldCount
        }
        let positions = index.positions
        var lowLength = Self.commonPrefix(old + Int(positions[low]), pattern, from: 0, limit: min(count, oldCount - Int(positions[low])))
        var highLength = Self.commonPrefix(old + Int(positions[high]), pattern, from: 0, limit: min(count, oldCount - Int(positions[high])))
        while high - low >= 2 {
            let middle = low + (high - low) / 2
            let position = Int(positions[middle])
            let available = oldCount - position
            let limit = min(count, available)
            let known = min(lowLength, highLength)
            let length = Self.commonPrefix(old + position, pattern, from: known, limit: limit)
            // The suffix sorts before the pattern if it is a proper prefix of it or smaller at the first difference.
            let suffixIsSmaller = length < limit ? old[position + length] < pattern[length] : available < count
            if suffixIsSmaller {
                low = middle
                lowLength = length
            } else {
                high = middle
                highLength = length
            }
        }
        let (bestSlot, bestLength) = lowLength > highLength ? (low, lowLength) : (high, highLength)
        var bestPosition = Int(positions[bestSlot])
        // Long matches are rare to tie and costly to compare; nearness matters for short ones.
        guard tieSearch > 0, bestLength >= 4, bestLength <= 256 else { return (bestPosition, bestLength) }
        var bestDistance = (bestPosition - near).magnitude
        // Suffixes sharing the longest match sit next to each other in the array.
        for direction in [-1, 1] {
            var slot = bestSlot + direction
            var looked = 0
            while slot >= 1 && slot <= oldCount && looked < tieSearch {
                let position = Int(positions[slot])
                let limit = min(bestLength, oldCount - position)
                guard limit == bestLength, Self.commonPrefix(old + position, pattern, from: 0, limit: limit) == bestLength else { break }
                let distance = (position - near).magnitude
                if distance < bestDistance {
                    bestDistance = distance
                    bestPosition = position
                }
                slot += direction
                looked += 1
            }
        }
        return (bestPosition, bestLength)
    }

    @inline(__always)
    func jumpCost(_ jump: Int) -> Int {
        jumpWeight == 0 ? 0 : ((Int.bitWidth - jump.magnitude.leadingZeroBitCount) * jumpWeight) >> 3
    }

    /// The covers of `new[start..<end]`, in order, with absolute new positions.
    func covers(of new: UnsafePointer<UInt8>, from start: Int, to end: Int) -> [Cover] {
        var covers = [Cover]()
        let newCount = end
        var metadataIndex = 0
        func margin(at position: Int) -> Int {
            while metadataIndex < metadataRanges.count && metadataRanges[metadataIndex].upperBound <= position { metadataIndex += 1 }
            return metadataIndex < metadataRanges.count && metadataRanges[metadataIndex].contains(position) ? metadataMargin : switchMargin
        }
        var scan = start, length = 0, matchPosition = 0
        // Start by guessing the files are aligned here, as they are at the start of a tar.
        var lastScan = start, lastPosition = min(start, oldCount)
        var lastOffset = lastPosition - start
        while scan < newCount {
            var oldScore = 0
            scan += length
            var scoreScan = scan
            while scan < newCount {
                (matchPosition, length) = longestMatch(new + scan, count: newCount - scan, near: scan + lastOffset)
                while scoreScan < scan + length {
                    let aligned = scoreScan + lastOffset
                    if aligned >= 0 && aligned < oldCount && old[aligned] == new[scoreScan] { oldScore += 1 }
                    scoreScan += 1
                }
                if (length == oldScore && length != 0) || length > oldScore + margin(at: scan) + jumpCost(matchPosition - scan - lastOffset) { break }
                let aligned = scan + lastOffset
                if aligned >= 0 && aligned < oldCount && old[aligned] == new[scan] { oldScore -= 1 }
                scan += 1
            }
            guard length != oldScore || scan == newCount else { continue }

            // Stretch the previous alignment forwards while it agrees on more than half.
            var agree = 0, bestAgree = 0, forward = 0
            var step = 0
            while lastScan + step < scan && lastPosition + step < oldCount {
                if old[lastPosition + step] == new[lastScan + step] { agree += 1 }
                step += 1
                if agreeWeight * agree - stepWeight * step > agreeWeight * bestAgree - stepWeight * forward {
                    bestAgree = agree
                    forward = step
                }
            }
            // Stretch the new match backwards likewise.
            var backward = 0
            if scan < newCount {
                agree = 0
                var bestBack = 0
                step = 1
                while scan >= lastScan + step && matchPosition >= step {
                    if old[matchPosition - step] == new[scan - step] { agree += 1 }
                    if agreeWeight * agree - stepWeight * step > agreeWeight * bestBack - stepWeight * backward {
                        bestBack = agree
                        backward = step
                    }
                    step += 1
                }
            }
            // Where the two stretches overlap, split at the point that keeps the most agreement.
            if lastScan + forward > scan - backward {
                let overlap = (lastScan + forward) - (scan - backward)
                agree = 0
                var bestSplit = 0, split = 0
                for offset in 0..<overlap {
                    if new[lastScan + forward - overlap + offset] == old[lastPosition + forward - overlap + offset] { agree += 1 }
                    if new[scan - backward + offset] == old[matchPosition - backward + offset] { agree -= 1 }
                    if agree > bestSplit {
                        bestSplit = agree
                        split = offset + 1
                    }
                }
                forward += split - overlap
                backward -= split
            }
            if forward > 0 {
                covers.append(Cover(newPosition: lastScan, oldPosition: lastPosition, length: forward))
            }
            lastScan = scan - backward
            lastPosition = matchPosition - backward
            lastOffset = matchPosition - scan
        }
        return covers
    }
}
