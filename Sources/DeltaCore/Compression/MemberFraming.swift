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
    mutating func classifyByteAfterMember(_ byte: UInt8, memberMagic: UInt8, format: CompressionFormat)
        throws(CompressionError) -> Bool
    {
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

    /// Routes `input` through the framing: bytes inside a member go to `decodeMember`, which
    /// returns how many it consumed and whether the member ended there; a member magic byte
    /// after a member calls `startMember`; zeros after a member count as padding.
    /// - Returns: the number of padding bytes seen in `input`.
    mutating func feed(
        _ input: UnsafeRawBufferPointer, memberMagic: UInt8, format: CompressionFormat,
        startMember: () throws -> Void,
        decodeMember: (UnsafeRawBufferPointer) throws -> (consumed: Int, memberEnded: Bool)
    ) throws -> UInt64 {
        var position = 0
        var padding: UInt64 = 0
        while position < input.count {
            switch self {
            case .awaitingFirstMember:
                self = .inMember
            case .betweenMembers, .padding:
                if try classifyByteAfterMember(input[position], memberMagic: memberMagic, format: format) {
                    try startMember()
                } else {
                    padding += 1
                    position += 1
                }
            case .inMember:
                let (consumed, memberEnded) = try decodeMember(UnsafeRawBufferPointer(rebasing: input[position...]))
                position += consumed
                if memberEnded { self = .betweenMembers }
            }
        }
        return padding
    }

    /// Whether the input may end in this state.
    var mayEnd: Bool { self == .betweenMembers || self == .padding }
}
