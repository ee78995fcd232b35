/// zlib-ng 2.3.3's compression loops (`deflate_slow.c`, `deflate_medium.c`, `deflate_fast.c`,
/// `deflate_quick.c`), statement for statement, with the switches of older releases
/// (``ZlibNGGeneration``: the shortest match, `deflate_medium`'s look-ahead below level 5). Each returns at the same points as zlib-ng's
/// (`need_more` when the input of the call runs out), so that the state carried between calls
/// is the one zlib-ng carries.
extension ZlibNGDeflateEncoder {
    private typealias M = ZlibNGMatchFinder

    /// The top of every loop: refills the window when the look-ahead runs short. Returns false
    /// when the call must return `need_more` (or, with `hold`, pause before a fill that would
    /// find less than `hold` bytes while more input of the same call is still to come).
    @inline(__always)
    private func refill(_ input: inout ZlibNGInput, flush: Flush, hold: Int) -> Bool {
        if hold > 0 && input.available < hold && flush == .none { return false }
        finder.fillWindow(&input)
        return !(finder.lookahead < M.minLookahead && flush == .none)
    }

    /// The end of every loop but level 1's: the last block, or the pending symbols at a flush.
    private func endOfCall(flush: Flush, _ sink: ChunkSink) throws -> BlockState {
        finder.insert = min(finder.strstart, M.minMatch - 1)
        if flush == .finish {
            try flushBlock(last: true, sink)
            return .finishDone
        }
        if trees.lastLit != 0 { try flushBlock(last: false, sink) }
        return .blockDone
    }

    // MARK: deflate_slow (levels 7 to 9)

    func deflateSlow(_ input: inout ZlibNGInput, flush: Flush, hold: Int, _ sink: ChunkSink) throws -> BlockState {
        let f = finder
        while true {
            if f.lookahead < M.minLookahead {
                guard refill(&input, flush: flush, hold: hold) else { return .needMore }
                if f.lookahead == 0 { break }
            }
            var hashHead = 0
            if f.lookahead >= f.minimumMatch { hashHead = f.quickInsert(f.strstart) }
            prevMatch = f.matchStart
            var matchLength = M.minMatch - 1
            let distance = f.strstart - hashHead
            if distance <= M.maxDist && distance > 0 && f.prevLength < f.maxLazyMatch && hashHead != 0 {
                matchLength = f.longestMatch(hashHead)
            }
            if f.prevLength >= M.minMatch && matchLength <= f.prevLength {
                let maxInsert = f.strstart + f.lookahead - M.minMatch
                let blockFull = trees.tallyMatch(
                    distance: f.strstart - 1 - prevMatch, length: f.prevLength, bytesInBlock: 0)
                f.prevLength -= 1
                f.lookahead -= f.prevLength
                let moveForward = f.prevLength - 1
                if maxInsert > f.strstart {
                    f.insertStrings(f.strstart + 1, min(moveForward, maxInsert - f.strstart))
                }
                f.prevLength = 0
                matchAvailable = false
                f.strstart += moveForward + 1
                if blockFull { try flushBlock(last: false, sink) }
            } else if matchAvailable {
                if trees.tallyLiteral(f.window[f.strstart - 1], bytesInBlock: 0) {
                    try flushBlock(last: false, sink)
                }
                f.prevLength = matchLength
                f.strstart += 1
                f.lookahead -= 1
            } else {
                f.prevLength = matchLength
                matchAvailable = true
                f.strstart += 1
                f.lookahead -= 1
            }
        }
        if matchAvailable {
            _ = trees.tallyLiteral(f.window[f.strstart - 1], bytesInBlock: 0)
            matchAvailable = false
        }
        return try endOfCall(flush: flush, sink)
    }

    // MARK: deflate_fast (level 2)

    func deflateFast(_ input: inout ZlibNGInput, flush: Flush, hold: Int, _ sink: ChunkSink) throws -> BlockState {
        let f = finder
        var matchLength = 0
        while true {
            if f.lookahead < M.minLookahead {
                guard refill(&input, flush: flush, hold: hold) else { return .needMore }
                if f.lookahead == 0 { break }
            }
            if f.lookahead >= f.minimumMatch {
                let hashHead = f.quickInsert(f.strstart)
                let distance = f.strstart - hashHead
                if distance <= M.maxDist && distance > 0 && hashHead != 0 {
                    matchLength = f.longestMatch(hashHead)
                }
            }
            let blockFull: Bool
            if matchLength >= f.minimumMatch {
                blockFull = trees.tallyMatch(
                    distance: f.strstart - f.matchStart, length: matchLength, bytesInBlock: 0)
                f.lookahead -= matchLength
                if matchLength <= f.maxLazyMatch && f.lookahead >= f.minimumMatch {
                    matchLength -= 1
                    f.strstart += 1
                    f.insertStrings(f.strstart, matchLength)
                    f.strstart += matchLength
                } else {
                    f.strstart += matchLength
                    f.quickInsert(f.strstart + 2 - M.minMatch)
                }
                matchLength = 0
            } else {
                blockFull = trees.tallyLiteral(f.window[f.strstart], bytesInBlock: 0)
                f.lookahead -= 1
                f.strstart += 1
            }
            if blockFull { try flushBlock(last: false, sink) }
        }
        return try endOfCall(flush: flush, sink)
    }

    // MARK: deflate_medium (levels 3 to 6)

    private func emitMedium(_ match: ZlibNGMediumMatch) -> Bool {
        let f = finder
        var blockFull = false
        if match.matchLength < f.minimumMatch {
            var position = match.strstart
            for _ in 0..<match.matchLength {
                if trees.tallyLiteral(f.window[position], bytesInBlock: 0) { blockFull = true }
                f.lookahead -= 1
                position += 1
            }
            return blockFull
        }
        blockFull = trees.tallyMatch(
            distance: match.strstart - match.matchStart, length: match.matchLength, bytesInBlock: 0)
        f.lookahead -= match.matchLength
        return blockFull
    }

    func deflateMedium(_ input: inout ZlibNGInput, flush: Flush, hold: Int, _ sink: ChunkSink) throws -> BlockState {
        let f = finder
        let earlyExit = level < 5 && generation.mediumSkipsLookAheadBelowLevel5
        while true {
            if f.lookahead < M.minLookahead {
                guard refill(&input, flush: flush, hold: hold) else { return .needMore }
                if f.lookahead == 0 { break }
                nextMatch.matchLength = 0
            }
            if !earlyExit && nextMatch.matchLength > 0 {
                currentMatch = nextMatch
                nextMatch.matchLength = 0
            } else {
                var hashHead = 0
                if f.lookahead >= f.minimumMatch { hashHead = f.quickInsert(f.strstart) }
                currentMatch = f.mediumSearch(hashHead)
            }
            finder.insertMedium(currentMatch)
            if !earlyExit && f.lookahead > M.minLookahead
                && currentMatch.strstart + currentMatch.matchLength < M.windowSize - M.minLookahead
            {
                f.strstart = currentMatch.strstart + currentMatch.matchLength
                let hashHead = f.quickInsert(f.strstart)
                nextMatch = f.mediumSearch(hashHead)
                if nextMatch.matchLength >= f.minimumMatch { f.fizzle(&currentMatch, &nextMatch) }
                f.strstart = currentMatch.strstart
            } else {
                nextMatch.matchLength = 0
            }
            let blockFull = emitMedium(currentMatch)
            f.strstart += currentMatch.matchLength
            if blockFull {
                try flushBlock(last: false, sink)
                if outputBufferFilled() {
                    // zlib-ng returns here and is called again: its locals start afresh.
                    currentMatch = ZlibNGMediumMatch()
                    nextMatch = ZlibNGMediumMatch()
                }
            }
        }
        return try endOfCall(flush: flush, sink)
    }

    // MARK: deflate_quick (level 1)

    private func quickStartBlock(last: Bool) {
        bits.write(last ? 3 : 2, 3)
        blockOpen = last ? 2 : 1
        finder.blockStart = finder.strstart
    }

    private func quickEndBlock(last: Bool, _ sink: ChunkSink) throws {
        guard blockOpen != 0 else { return }
        bits.write(trees.staticL.code[GNUDeflateTrees.endBlock], trees.staticL.len[GNUDeflateTrees.endBlock])
        if last { bits.alignToByte() }
        blockOpen = 0
        finder.blockStart = finder.strstart
        try bits.flush(into: sink)
    }

    @inline(__always)
    private func quickMatch(length: Int, distance: Int) {
        let t = trees
        let lc = length - M.minMatch
        let code = t.lengthCode[lc]
        let symbol = code + GNUDeflateTrees.literals + 1
        bits.write(t.staticL.code[symbol], t.staticL.len[symbol])
        let extra = t.extraL[code]
        if extra != 0 { bits.write(UInt32(lc - t.baseLength[code]), extra) }
        let dist = distance - 1
        let dcode = t.dCode(dist)
        bits.write(t.staticD.code[dcode], t.staticD.len[dcode])
        let dextra = t.extraD[dcode]
        if dextra != 0 { bits.write(UInt32(dist - t.baseDist[dcode]), dextra) }
    }

    func deflateQuick(_ input: inout ZlibNGInput, flush: Flush, hold: Int, _ sink: ChunkSink) throws -> BlockState {
        let f = finder
        // A call that finishes writes its one block as the final one from the start.
        let last = flush == .finish || writeSize == ZlibNGDeflateEncoder.oneFinishingCall
        if last && blockOpen != 2 {
            try quickEndBlock(last: false, sink)
            quickStartBlock(last: true)
        } else if blockOpen == 0 && f.lookahead > 0 {
            quickStartBlock(last: last)
        }
        while true {
            // Level 1 keeps one block open across calls, so pass bytes on as they gather: a
            // count of steps per call never reached its mark when every call's input was
            // small or long matches made the steps few, and the bits outgrew their buffer.
            try bits.flush(into: sink)
            if f.lookahead < M.minLookahead {
                guard refill(&input, flush: flush, hold: hold) else { return .needMore }
                if f.lookahead == 0 { break }
                if blockOpen == 0 { quickStartBlock(last: last) }
            }
            if f.lookahead >= f.minimumMatch {
                let hashHead = f.quickInsert(f.strstart)
                let distance = f.strstart - hashHead
                if let length = M.quickChoice(
                    distance: distance, lookahead: f.lookahead, minimumMatch: f.minimumMatch,
                    measure: { f.quickMatchLength(at: f.strstart, candidate: hashHead) })
                {
                    quickMatch(length: length, distance: distance)
                    f.lookahead -= length
                    f.strstart += length
                    continue
                }
            }
            let literal = Int(f.window[f.strstart])
            bits.write(trees.staticL.code[literal], trees.staticL.len[literal])
            f.strstart += 1
            f.lookahead -= 1
        }
        f.insert = min(f.strstart, M.minMatch - 1)
        if last {
            try quickEndBlock(last: true, sink)
            return .finishDone
        }
        try quickEndBlock(last: false, sink)
        return .blockDone
    }
}
