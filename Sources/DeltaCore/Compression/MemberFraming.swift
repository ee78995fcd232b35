/// What a multi-member decoder (gzip members, bzip2 streams) expects next.
///
/// Both formats allow several complete streams back to back, and tar tools pad files with
/// zero bytes to a block boundary. After the last stream only zero bytes may follow.
enum MemberFraming: Equatable {
    /// Nothing decoded yet: the first member must start here.
    case awaitingFirstMember
    /// Inside a member.
    case inMember
    /// A member ended; another may start, or zero padding, or the end of input.
    case betweenMembers
    /// Zero padding began; only zeros may follow.
    case padding

    /// Decides what the byte after a finished member means.
    /// - Returns: `true` if a new member starts at this byte, `false` if it is padding.
    /// - Throws: ``CompressionError/trailingData(_:)`` for anything else.
    mutating func classifyByteAfterMember(_ byte: UInt8, memberMagic: UInt8, format: CompressionFormat) throws(CompressionError) -> Bool {
        switch (self, byte) {
        case (.betweenMembers, memberMagic):
            self = .inMember
            return true
        case (.betweenMembers, 0), (.padding, 0):
            self = .padding
            return false
        default:
            throw .trailingData(format)
        }
    }

    /// Whether the input may end in this state.
    var mayEnd: Bool { self == .betweenMembers || self == .padding }
}
