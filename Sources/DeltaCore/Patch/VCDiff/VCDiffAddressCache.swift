/// RFC 3284's address caches (section 5.3): the last 4 COPY addresses ("near") and a
/// 3 x 256 table of addresses by their value modulo 768 ("same"). Reset for each window.
struct VCDiffAddressCache {
    private var near = [UInt64](repeating: 0, count: VCDiffCodeTable.nearModes)
    private var nextSlot = 0
    private var same = [UInt64](repeating: 0, count: VCDiffCodeTable.sameModes * 256)

    /// Decodes the address of a COPY in `mode` at position `here`, reading from `addresses`,
    /// and remembers it. Returns nil when the encoded value cannot be an address (it would
    /// go below 0 or past 2^64), which the caller reports with its context.
    mutating func decode(mode: UInt8, here: UInt64, from addresses: inout VCDiffSectionCursor) throws -> UInt64? {
        let address: UInt64
        let sameStart = 2 + VCDiffCodeTable.nearModes
        switch Int(mode) {
        case 0:
            address = try addresses.readInteger()
        case 1:
            let back = try addresses.readInteger()
            guard back <= here else { return nil }
            address = here - back
        case 2..<sameStart:
            let (sum, overflow) = near[Int(mode) - 2].addingReportingOverflow(try addresses.readInteger())
            guard !overflow else { return nil }
            address = sum
        default:
            let slot = (Int(mode) - sameStart) * 256 + Int(try addresses.readByte())
            address = same[slot]
        }
        near[nextSlot] = address
        nextSlot = (nextSlot + 1) % near.count
        same[Int(address % UInt64(same.count))] = address
        return address
    }
}
