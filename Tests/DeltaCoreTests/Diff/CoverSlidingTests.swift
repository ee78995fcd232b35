import DeltaCore
import Testing

/// ``CoverSliding``: boundaries move without changing a byte the copies produce, and a widened
/// table column comes out as one repeated command.
@Suite struct CoverSlidingTests {
    /// The old bytes each cover copies, back to back, and the moves between covers.
    static func produced(_ covers: [Cover], old: [UInt8]) -> (bytes: [UInt8], moves: [Int]) {
        var bytes = [UInt8](), moves = [Int]()
        for (index, cover) in covers.enumerated() {
            bytes += old[cover.oldPosition..<cover.oldPosition + cover.length]
            if index > 0 {
                let previous = covers[index - 1]
                moves.append(cover.oldPosition - (previous.oldPosition + previous.length))
            }
        }
        return (bytes, moves)
    }

    static func slide(_ covers: [Cover], old: [UInt8], limit: Int = 64) -> [Cover] {
        old.withUnsafeBufferPointer {
            CoverSliding.slidingBoundariesRight(
                covers, old: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, oldCount: old.count, limit: limit)
        }
    }

    @Test func aColumnInsertionMovesToTheRunsEnd() {
        // "ab----+" with two more dashes: the finder may switch alignments anywhere in the run.
        let old = Array("ab----+ab----+".utf8)
        // New "ab------+ab----+": the old run's first two dashes copied again (old 2..<4).
        let covers = [
            Cover(newPosition: 0, oldPosition: 0, length: 4), Cover(newPosition: 4, oldPosition: 2, length: 12),
        ]
        let slid = Self.slide(covers, old: old)
        #expect(
            slid == [
                Cover(newPosition: 0, oldPosition: 0, length: 6), Cover(newPosition: 6, oldPosition: 4, length: 10),
            ])
        #expect(Self.produced(slid, old: old) == Self.produced(covers, old: old))
    }

    @Test func limitsGapsAndShortCoversStayPut() {
        let old = [UInt8](repeating: 0, count: 200)
        // A gap (literals) between covers: nothing moves.
        let apart = [
            Cover(newPosition: 0, oldPosition: 0, length: 10), Cover(newPosition: 12, oldPosition: 50, length: 10),
        ]
        #expect(Self.slide(apart, old: old) == apart)
        // A run longer than the limit: the boundary moves the limit only, and never empties a cover.
        let abutting = [
            Cover(newPosition: 0, oldPosition: 0, length: 10), Cover(newPosition: 10, oldPosition: 50, length: 100),
        ]
        #expect(Self.slide(abutting, old: old, limit: 8)[0].length == 18)
        #expect(Self.slide(abutting, old: old, limit: 1000)[1].length == 1)
        // The old file's end stops the earlier cover.
        let atEnd = [
            Cover(newPosition: 0, oldPosition: 190, length: 10), Cover(newPosition: 10, oldPosition: 0, length: 50),
        ]
        #expect(Self.slide(atEnd, old: old) == atEnd)
    }

    @Test func slidingKeepsEveryProducedByteAndMove() {
        for seed in UInt64(1)...200 {
            var random = SeededGenerator(seed: seed)
            let old = random.bytes(Int.random(in: 1..<400, using: &random), alphabet: [2, 3, 8][Int(seed) % 3])
            var covers = [Cover](), position = 0
            for _ in 0..<Int.random(in: 0..<12, using: &random) {
                let start = Int.random(in: 0..<old.count, using: &random)
                let length = Int.random(in: 1...old.count - start, using: &random)
                position += Int.random(in: 0..<3, using: &random) == 0 ? Int.random(in: 1..<5, using: &random) : 0
                covers.append(Cover(newPosition: position, oldPosition: start, length: length))
                position += length
            }
            let slid = Self.slide(covers, old: old, limit: Int.random(in: 1..<100, using: &random))
            #expect(Self.produced(slid, old: old) == Self.produced(covers, old: old), "seed \(seed)")
            #expect(slid.count == covers.count, "seed \(seed)")
            // Each cover keeps its alignment and at least a byte; the literals between them stay.
            for (before, after) in zip(covers, slid) {
                #expect(
                    after.newPosition - after.oldPosition == before.newPosition - before.oldPosition, "seed \(seed)")
                #expect(after.length >= 1 && after.oldPosition + after.length <= old.count, "seed \(seed)")
            }
            func gaps(_ covers: [Cover]) -> [Int] {
                zip(covers, covers.dropFirst()).map { $1.newPosition - ($0.newPosition + $0.length) }
            }
            #expect(gaps(slid) == gaps(covers) && slid.first?.newPosition == covers.first?.newPosition, "seed \(seed)")
        }
    }

    /// A reStructuredText table whose second column grows by two characters in every row (six
    /// 1.17.0's documentation/index.rst): the patch stays within a few bytes a row in all.
    @Test func aWidenedTableColumnCostsLittle() throws {
        var random = SeededGenerator(seed: 5)
        func word() -> String {
            String(
                (0..<Int.random(in: 3..<20, using: &random)).map { _ in
                    Character(UnicodeScalar(UInt8.random(in: 97...122, using: &random)))
                })
        }
        func table(width: Int, rows: [(String, String)]) -> [UInt8] {
            let rule = "+" + String(repeating: "-", count: 22) + "+" + String(repeating: "-", count: width) + "+\n"
            var text = rule
            for (first, second) in rows {
                text +=
                    "| " + first.padding(toLength: 20, withPad: " ", startingAt: 0) + " | "
                    + second.padding(toLength: width - 2, withPad: " ", startingAt: 0) + " |\n" + rule
            }
            return Array(text.utf8)
        }
        let rows = (0..<200).map { _ in (word(), word() + " " + word()) }
        let old = table(width: 39, rows: rows), new = table(width: 41, rows: rows)
        let patch = try NativeDiffer.makePatch(old: old, new: new, options: DiffOptions(threads: 1))
        #expect(try NativePatchRoundTripTests.apply(patch, to: old) == new)
        // 401 lines, each two bytes longer: 367 bytes with sliding (a size-regression guard).
        #expect(patch.count <= 400, "patch of \(patch.count) bytes")
    }
}
