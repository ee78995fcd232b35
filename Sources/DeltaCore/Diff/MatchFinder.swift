/// Finds covers of a new file over an old one, bsdiff's way: exact matches from the suffix
/// array, each stretched forwards and backwards while enough of its bytes agree (three
/// quarters by default; the rest go to the residual), and a new match taken only when it beats the
/// current alignment by a margin, since continuing an alignment costs nothing in controls.
struct MatchFinder {
    let old: UnsafePointer<UInt8>
    let oldCount: Int
    /// The old file's suffix arrays (one, or one per half).
    var segments: [SuffixIndex]

    /// The margins, weights and strides of the search (the differ's one settings type).
    let tuning: DiffTuning
    /// Tar metadata regions of the new file, sorted.
    var metadataRanges: [Range<Int>] = []
    /// Whether the suffix arrays hold only every other old position.
    let sparse: Bool

    init(old: UnsafeRawBufferPointer, segments: [SuffixIndex], tuning: DiffTuning) {
        self.old = old.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        self.oldCount = old.count
        self.segments = segments.map { segment in
            var segment = segment
            segment.tieSearch = tuning.tieSearch
            return segment
        }
        self.tuning = tuning
        sparse = segments.contains { $0.index.step > 1 }
    }

    func free() { for segment in segments { segment.free() } }

    /// The longest match for `pattern[0..<count]` in any segment, nearest `near` on a tie.
    func longestMatch(_ pattern: UnsafePointer<UInt8>, count: Int, near: Int, refine: Bool) -> (
        position: Int, length: Int
    ) {
        var best = segments[0].longestMatch(pattern, count: count, near: near, refine: refine)
        for segment in segments.dropFirst() {
            let candidate = segment.longestMatch(pattern, count: count, near: near, refine: refine)
            if Self.isBetter(candidate, than: best, near: near) { best = candidate }
        }
        // A match about to be taken deserves the odd old positions a sparse index lacks too:
        // they are the even ones of the pattern one byte on, stepped back a byte.
        if refine && sparse && count >= 2 {
            for segment in segments {
                let shifted = segment.longestMatch(pattern + 1, count: count - 1, near: near + 1, refine: true)
                guard shifted.position > 0, shifted.length > 0, old[shifted.position - 1] == pattern[0] else {
                    continue
                }
                let candidate = (position: shifted.position - 1, length: shifted.length + 1)
                if Self.isBetter(candidate, than: best, near: near) { best = candidate }
            }
        }
        return best
    }

    /// Longer wins; on equal length, nearer `near` wins.
    @inline(__always)
    static func isBetter(_ candidate: (position: Int, length: Int), than best: (position: Int, length: Int), near: Int)
        -> Bool
    {
        candidate.length > best.length
            || (candidate.length == best.length
                && (candidate.position - near).magnitude < (best.position - near).magnitude)
    }

    @inline(__always)
    func jumpCost(_ jump: Int) -> Int {
        tuning.jumpWeight == 0 ? 0 : ((Int.bitWidth - jump.magnitude.leadingZeroBitCount) * tuning.jumpWeight) >> 3
    }

    /// The covers of `new[start..<end]`, in order, with absolute new positions.
    func covers(of new: UnsafePointer<UInt8>, from start: Int, to end: Int) -> [Cover] {
        var covers = [Cover]()
        let newCount = end
        var metadataIndex = 0
        /// The end of the tar metadata region holding `position`, if any.
        func metadataEnd(at position: Int) -> Int? {
            while metadataIndex < metadataRanges.count && metadataRanges[metadataIndex].upperBound <= position {
                metadataIndex += 1
            }
            return metadataIndex < metadataRanges.count && metadataRanges[metadataIndex].contains(position)
                ? metadataRanges[metadataIndex].upperBound : nil
        }
        var scan = start, length = 0, matchPosition = 0
        // Consecutive searches whose match was too short to win anything (new material).
        var shortRun = 0
        // Start by guessing the files are aligned here, as they are at the start of a tar.
        var lastScan = start, lastPosition = min(start, oldCount)
        var lastOffset = lastPosition - start
        while scan < newCount {
            var oldScore = 0
            scan += length
            var scoreScan = scan
            while scan < newCount {
                (matchPosition, length) = longestMatch(
                    new + scan, count: newCount - scan, near: scan + lastOffset, refine: false)
                if sparse {
                    // The current alignment may sit at an odd old position, which a sparse
                    // index cannot return: measure it directly (one sequential compare).
                    let aligned = scan + lastOffset
                    if aligned >= 0 && aligned < oldCount {
                        let alignedLength = SuffixIndex.commonPrefix(
                            old + aligned, new + scan, from: 0,
                            limit: min(newCount - scan, oldCount - aligned))
                        if alignedLength >= length { (matchPosition, length) = (aligned, alignedLength) }
                    }
                }
                while scoreScan < scan + length {
                    let aligned = scoreScan + lastOffset
                    if aligned >= 0 && aligned < oldCount && old[aligned] == new[scoreScan] { oldScore += 1 }
                    scoreScan += 1
                }
                let metadataEnd = metadataEnd(at: scan)
                let marginHere = metadataEnd == nil ? tuning.switchMargin : tuning.metadataMargin
                if length == oldScore && length != 0 {
                    // The current alignment agrees on the whole longest match: it is that
                    // match, at no distance, so it needs no closer look.
                    matchPosition = scan + lastOffset
                    break
                }
                if length > oldScore + marginHere {
                    // Worth a closer look: find the nearest of the equally long matches (the
                    // costly part, so only here), then weigh the jump to it.
                    (matchPosition, length) = longestMatch(
                        new + scan, count: newCount - scan, near: scan + lastOffset, refine: true)
                    if (length == oldScore && length != 0)
                        || length > oldScore + marginHere + jumpCost(matchPosition - scan - lastOffset)
                    {
                        break
                    }
                }
                // Inside tar metadata a switch needs a huge margin, so searching at every byte
                // of a header (where mtimes and checksums keep breaking exact matches) is wasted:
                // the next search is where the metadata ends, and a match found there is
                // stretched back over the header if it agrees.
                // Through new material, where search after search finds nothing worth taking,
                // the searches thin out (LZ4's acceleration): a match that begins between two
                // searches is found by the next one and stretched back to its start.
                shortRun = length <= tuning.switchMargin ? shortRun + 1 : 0
                var stride = min(tuning.maximumStride, 1 + shortRun >> tuning.strideShift)
                // A sparse index holds every other old position: an even stride could keep
                // landing where a match's old side is odd, so step an odd number of bytes.
                if sparse && stride > 1 && stride & 1 == 0 { stride -= 1 }
                let next = metadataEnd.map { min($0, newCount) } ?? min(scan + stride, newCount)
                while scan < next {
                    let aligned = scan + lastOffset
                    if scan < scoreScan && aligned >= 0 && aligned < oldCount && old[aligned] == new[scan] {
                        oldScore -= 1
                    }
                    scan += 1
                }
                if scoreScan < scan {
                    scoreScan = scan
                    oldScore = 0
                }
            }
            guard length != oldScore || scan == newCount else { continue }

            // Stretch the previous alignment forwards while it agrees on more than half.
            var agree = 0, bestAgree = 0, forward = 0
            var step = 0
            while lastScan + step < scan && lastPosition + step < oldCount {
                if old[lastPosition + step] == new[lastScan + step] { agree += 1 }
                step += 1
                if tuning.agreeWeight * agree - tuning.stepWeight * step > tuning.agreeWeight * bestAgree - tuning
                    .stepWeight * forward
                {
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
                    if tuning.agreeWeight * agree - tuning.stepWeight * step > tuning.agreeWeight * bestBack - tuning
                        .stepWeight * backward
                    {
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
                    if new[lastScan + forward - overlap + offset] == old[lastPosition + forward - overlap + offset] {
                        agree += 1
                    }
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
