// `deflate_medium`'s matching steps (2.3.3's `deflate_medium.c`) on the match finder, so that
// the exact emulation (`ZlibNGDeflateEncoder`) and the reconstruction's predictor
// (`ZlibNGMediumEmulation`) run the same code.

/// `deflate_medium`'s `struct match`, in window positions.
struct ZlibNGMediumMatch {
    var matchStart = 0
    var matchLength = 0
    var strstart = 0
    var orgstart = 0
}

extension ZlibNGMatchFinder {
    /// `insert_match`: hashes the positions `deflate_medium` owes for `match` (all of a
    /// match up to 16 times `max_lazy` long, else only its end), none before `orgstart`.
    func insertMedium(_ match: ZlibNGMediumMatch) {
        let f = self
        var match = match
        if f.lookahead <= match.matchLength + f.minimumMatch { return }
        if match.matchLength < f.minimumMatch {
            match.strstart += 1
            match.matchLength -= 1
            if match.matchLength > 0 && match.strstart >= match.orgstart {
                if match.strstart + match.matchLength - 1 >= match.orgstart {
                    f.insertStrings(match.strstart, match.matchLength)
                } else {
                    f.insertStrings(match.strstart, match.orgstart - match.strstart + 1)
                }
            }
            return
        }
        if match.matchLength <= 16 * f.maxLazyMatch && f.lookahead >= f.minimumMatch {
            match.matchLength -= 1
            match.strstart += 1
            if match.strstart >= match.orgstart {
                if match.strstart + match.matchLength - 1 >= match.orgstart {
                    f.insertStrings(match.strstart, match.matchLength)
                } else {
                    f.insertStrings(match.strstart, match.orgstart - match.strstart + 1)
                }
            } else if match.orgstart < match.strstart + match.matchLength {
                f.insertStrings(match.orgstart, match.strstart + match.matchLength - match.orgstart)
            }
        } else {
            match.strstart += match.matchLength
            if match.strstart >= Self.minMatch - 2 { f.quickInsert(match.strstart + 2 - Self.minMatch) }
        }
    }

    /// `fizzle_matches`: moves the next match left over the end of the current one when that
    /// turns the current one into (at most) a literal.
    func fizzle(_ current: inout ZlibNGMediumMatch, _ next: inout ZlibNGMediumMatch) {
        if current.matchLength <= 1 { return }
        if current.matchLength > 1 + next.matchStart { return }
        if current.matchLength > 1 + next.strstart { return }
        if window[next.matchStart - current.matchLength + 1] != window[next.strstart - current.matchLength + 1] {
            return
        }
        var c = current, n = next
        let limit = next.strstart > Self.maxDist ? next.strstart - Self.maxDist : 0
        var match = n.matchStart - 1, original = n.strstart - 1
        var changed = 0
        while window[match] == window[original] {
            if c.matchLength < 1 || n.strstart <= limit || n.matchLength >= 256 || n.matchStart <= 1 { break }
            n.strstart -= 1
            n.matchStart -= 1
            n.matchLength += 1
            c.matchLength -= 1
            match -= 1
            original -= 1
            changed += 1
        }
        if changed == 0 { return }
        if c.matchLength <= 1 && n.matchLength != 2 {
            n.orgstart += 1
            current = c
            next = n
        }
    }

    /// One match search at `strstart` for `deflate_medium`.
    @inline(__always)
    func mediumSearch(_ hashHead: Int) -> ZlibNGMediumMatch {
        let f = self
        var match = ZlibNGMediumMatch(matchStart: 0, matchLength: 1, strstart: f.strstart, orgstart: f.strstart)
        let distance = f.strstart - hashHead
        if distance <= Self.maxDist && distance > 0 && hashHead != 0 {
            match.matchLength = f.longestMatch(hashHead)
            match.matchStart = f.matchStart
            if match.matchLength < f.minimumMatch { match.matchLength = 1 }
            if match.matchStart >= match.strstart { match.matchLength = 1 }
        }
        return match
    }
}
