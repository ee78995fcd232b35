/// Compresses the content as several members (gzip) or streams (bzip2) back to back, each of a
/// fixed content size but the last, each from a fresh encoder: what pbzip2 writes (one
/// bzip2 stream per `-b` chunk).
final class MemberSplitEncoder: StreamEncoder {
    private let format: CompressionFormat
    private let memberSize: UInt64
    private let makeMember: () throws -> any StreamEncoder
    private var member: (any StreamEncoder)?
    private var memberFill: UInt64 = 0
    private var finished = false

    /// - Parameters:
    ///   - format: the members' format (named in errors).
    ///   - memberSize: content bytes per member (at least 1); the last member holds the rest.
    ///   - makeMember: a new encoder for each member.
    init(format: CompressionFormat, memberSize: UInt64, makeMember: @escaping () throws -> any StreamEncoder) {
        self.format = format
        self.memberSize = max(memberSize, 1)
        self.makeMember = makeMember
    }

    func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(format) }
        var consumed = 0
        while consumed < input.count {
            // A member is finished only when input for the next one arrives, so a content
            // that fills its last member exactly gets no empty member after it.
            if memberFill == memberSize {
                try member?.finish(into: sink)
                member = nil
                memberFill = 0
            }
            let current = try member ?? makeMember()
            member = current
            let step = Int(min(UInt64(input.count - consumed), memberSize - memberFill))
            try current.process(UnsafeRawBufferPointer(rebasing: input[consumed..<(consumed + step)]), into: sink)
            memberFill += UInt64(step)
            consumed += step
        }
    }

    func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        // Empty content still makes one (empty) member.
        try (member ?? makeMember()).finish(into: sink)
        member = nil
    }
}
