/// One half of a VCDIFF instruction-code-table entry (RFC 3284 section 5.4).
struct VCDiffInstruction: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        case noop = 0
        case add = 1
        case run = 2
        case copy = 3
    }

    var kind: Kind
    /// The size, or 0 when the size follows in the instruction section.
    var size: UInt8
    /// The address mode of a COPY (0 self, 1 here, 2... near, then same).
    var mode: UInt8

    static let noop = VCDiffInstruction(kind: .noop, size: 0, mode: 0)
}

/// RFC 3284's default instruction-code table (section 5.6), built the way the RFC describes
/// it rather than typed in: 256 entries, each one or two instructions.
enum VCDiffCodeTable {
    /// The address modes: self, here, 4 near, 3 same.
    static let nearModes = 4
    static let sameModes = 3
    static let modeCount = 2 + nearModes + sameModes

    static let entries: [(VCDiffInstruction, VCDiffInstruction)] = build()

    private static func build() -> [(VCDiffInstruction, VCDiffInstruction)] {
        var table = [(VCDiffInstruction, VCDiffInstruction)]()
        func single(_ kind: VCDiffInstruction.Kind, _ size: Int, _ mode: Int = 0) {
            table.append((VCDiffInstruction(kind: kind, size: UInt8(size), mode: UInt8(mode)), .noop))
        }
        // 0: RUN, size from the instruction section. 1-18: ADD sizes 0 (explicit), 1...17.
        single(.run, 0)
        for size in 0...17 { single(.add, size) }
        // 19-162: for each of the 9 modes, COPY size 0 (explicit), then 4...18.
        for mode in 0..<modeCount {
            single(.copy, 0, mode)
            for size in 4...18 { single(.copy, size, mode) }
        }
        // 163-234: ADD 1...4 then COPY 4...6, modes 0-5; 235-246: ADD 1...4, COPY 4, modes 6-8.
        for mode in 0..<modeCount {
            let copyMax = mode < 2 + nearModes ? 6 : 4
            for addSize in 1...4 {
                for copySize in 4...copyMax {
                    table.append(
                        (
                            VCDiffInstruction(kind: .add, size: UInt8(addSize), mode: 0),
                            VCDiffInstruction(kind: .copy, size: UInt8(copySize), mode: UInt8(mode))
                        ))
                }
            }
        }
        // 247-255: COPY 4 in each mode, then ADD 1.
        for mode in 0..<modeCount {
            table.append(
                (
                    VCDiffInstruction(kind: .copy, size: 4, mode: UInt8(mode)),
                    VCDiffInstruction(kind: .add, size: 1, mode: 0)
                ))
        }
        precondition(table.count == 256, "RFC 3284's default code table has 256 entries")
        return table
    }
}
