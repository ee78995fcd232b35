/// What a multi-member decoder (gzip members, bzip2 streams) expects next.
///
/// Both formats allow several complete streams back to back, and tar tools pad files with
/// zero bytes to a block boundary. Anything else after the last stream is the file's trailer
/// (``StreamTrailer``): everything from there to the end, kept as it is.
enum MemberFraming: Equatable {
    /// Nothing decoded yet: the first member must start here.
    case awaitingFirstMember
    /// Inside a member.
    case inMember
    /// A member ended; another may start, or zero padding, or the end of input.
    case betweenMembers
    /// Zero padding began; zeros or trailing bytes may follow.
    case padding
    /// A byte that is neither zero nor a member's start followed the last member: the rest of
    /// the input is trailing bytes.
    case trailing

    /// What a byte after a finished member is.
    enum ByteAfterMember {
        /// The start of another member.
        case memberStart
        /// Zero padding.
        case padding
        /// The start of trailing bytes.
        case trailing
    }

    /// Decides what the byte after a finished member means: a member's magic right after a
    /// member starts one, zeros are padding, and anything else starts the trailer.
    mutating func classifyByteAfterMember(_ byte: UInt8, memberMagic: UInt8) -> ByteAfterMember {
        switch (self, byte) {
        case (.betweenMembers, memberMagic):
            self = .inMember
            return .memberStart
        case (.betweenMembers, 0), (.padding, 0):
            self = .padding
            return .padding
        default:
            self = .trailing
            return .trailing
        }
    }

    /// Routes `input` through the framing: bytes inside a member go to `decodeMember`, which
    /// returns how many it consumed and whether the member ended there; a member magic byte
    /// after a member calls `startMember`; zeros after a member count as padding in `trailer`,
    /// and from the first other byte on the rest is `trailer`'s bytes.
    /// - Throws: what the closures throw; ``CompressionError/trailingDataTooLong(_:limit:)``.
    /// - Returns: how many bytes of `input` were padding or trailer.
    mutating func feed(
        _ input: UnsafeRawBufferPointer, memberMagic: UInt8, format: CompressionFormat, trailer: inout StreamTrailer,
        startMember: () throws -> Void,
        decodeMember: (UnsafeRawBufferPointer) throws -> (consumed: Int, memberEnded: Bool)
    ) throws -> UInt64 {
        var position = 0
        var trailing: UInt64 = 0
        while position < input.count {
            switch self {
            case .awaitingFirstMember:
                self = .inMember
            case .trailing:
                try trailer.add(UnsafeRawBufferPointer(rebasing: input[position...]), format: format)
                trailing += UInt64(input.count - position)
                position = input.count
            case .betweenMembers, .padding:
                switch classifyByteAfterMember(input[position], memberMagic: memberMagic) {
                case .memberStart:
                    try startMember()
                case .padding:
                    trailer.addZeros(1)
                    trailing += 1
                    position += 1
                case .trailing:
                    break
                }
            case .inMember:
                let (consumed, memberEnded) = try decodeMember(UnsafeRawBufferPointer(rebasing: input[position...]))
                position += consumed
                if memberEnded { self = .betweenMembers }
            }
        }
        return trailing
    }

    /// Whether the input may end in this state.
    var mayEnd: Bool { self == .betweenMembers || self == .padding || self == .trailing }
}
