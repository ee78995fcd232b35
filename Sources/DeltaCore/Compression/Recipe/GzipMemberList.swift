/// The members of a gzip file listed one by one, each with its own recipe: the payload of
/// member layout 2 (``MemberLayout/listed(_:)``).
///
/// Any valid gzip file is a run of members (`cat a.gz b.gz`, bgzip, several producers in one
/// file), each with its own header and its own deflate stream: exact settings, a producer, or
/// deflate reconstruction. A member's deflate stream ends where its trailer begins (a gzip
/// decoder reads the trailer at the byte after the final block), so a member is its header,
/// its stream and its trailer, nothing else; zero padding after the last member is the
/// recipe's ``RecompressionRecipe/trailingZeroBytes``.
///
/// Payload after the layout code 2 (varints unless said): the member count (1 to
/// ``maximumMemberCount``), then per member its content size (0 to 2^40), a form byte and:
/// - form 0: the member's own recipe, length-prefixed in its binary form
///   (``RecompressionRecipe/serialized()``): a gzip recipe with no target, no padding and no
///   member layout;
/// - form 1: the previous member's recipe with another header: the header's bytes,
///   length-prefixed, exactly as RFC 1952 lays them out (only after a member whose recipe has
///   no deflate reconstruction, which belongs to one content).
public struct GzipMemberList: Hashable, Sendable {
    /// One member: how much content it holds and how its bytes are made.
    public struct Member: Hashable, Sendable {
        /// The member's content size in bytes.
        public var contentSize: UInt64
        /// A single-member gzip recipe for the member (header, deflater or reconstruction).
        public var recipe: RecompressionRecipe

        /// A member of `contentSize` content bytes made by `recipe`.
        public init(contentSize: UInt64, recipe: RecompressionRecipe) {
            self.contentSize = contentSize
            self.recipe = recipe
        }
    }

    /// The members in file order.
    public var members: [Member]

    /// At most this many members are read: a bound for hostile input.
    public static let maximumMemberCount = 1 << 20
    /// The largest content size a member may give.
    static let maximumContentSize: UInt64 = 1 << 40

    /// A list of `members`.
    public init(members: [Member]) {
        self.members = members
    }

    /// The content bytes of all members together.
    public var contentSize: UInt64 { members.reduce(0) { $0 + $1.contentSize } }

    /// Bytes of deflate reconstruction data over all members; nil when no member has any.
    public var reconstructionBytes: Int? {
        let sizes = members.compactMap { $0.recipe.extensionPayload(.deflateReconstruction)?.count }
        return sizes.isEmpty ? nil : sizes.reduce(0, +)
    }

    /// Writes the payload's fields after the layout code.
    func write(to out: inout RecipeByteWriter) {
        out.varint(UInt64(members.count))
        var previous: RecompressionRecipe?
        for member in members {
            out.varint(member.contentSize)
            if let previous, !previous.usesDeflateReconstruction, var same = member.recipe.gzip {
                same.header = previous.gzip?.header ?? same.header
                var reheaded = member.recipe
                reheaded.gzip = same
                if reheaded == previous {
                    out.bytes.append(1)
                    out.data(member.recipe.gzip?.header.serialized() ?? [])
                    continue
                }
            }
            out.bytes.append(0)
            out.data(member.recipe.serialized())
            previous = member.recipe
        }
    }

    /// Reads the payload's fields after the layout code.
    /// - Throws: ``RecipeError/malformed(offset:detail:)``, the offset counted in the payload.
    init(reading input: inout RecipeByteReader) throws(RecipeError) {
        let countOffset = input.offset
        let count = try input.varint()
        // Every member takes at least two payload bytes.
        guard count >= 1, count <= UInt64(Self.maximumMemberCount), count <= UInt64(input.bytes.count / 2) else {
            throw .malformed(offset: countOffset, detail: "gzip member count \(count) out of range")
        }
        var members: [Member] = []
        members.reserveCapacity(Int(count))
        var previous: RecompressionRecipe?
        for _ in 0..<count {
            let sizeOffset = input.offset
            let contentSize = try input.varint()
            guard contentSize <= Self.maximumContentSize else {
                throw .malformed(offset: sizeOffset, detail: "member content size \(contentSize) out of range")
            }
            let formOffset = input.offset
            let recipe: RecompressionRecipe
            switch try input.byte() {
            case 0:
                let recipeOffset = input.offset
                let bytes = try input.data()
                do {
                    recipe = try RecompressionRecipe(serialized: bytes)
                } catch .malformed(let offset, let detail) {
                    throw .malformed(offset: recipeOffset + offset, detail: "member recipe: \(detail)")
                } catch {
                    throw error
                }
                guard recipe.format == .gzip, recipe.gzip != nil, recipe.target == nil,
                    recipe.trailer.count == 0, recipe.extensionPayload(.memberLayout) == nil
                else {
                    throw .malformed(offset: recipeOffset, detail: "a member recipe must be a plain gzip member's")
                }
            case 1:
                let headerOffset = input.offset
                let bytes = try input.data()
                guard let base = previous, !base.usesDeflateReconstruction else {
                    throw .malformed(offset: formOffset, detail: "no previous member recipe to repeat")
                }
                let parsed = bytes.withUnsafeBytes { raw in
                    Result { () throws(CompressionError) in try GzipHeader.parse(raw) }
                }
                guard case let .success((header, length)) = parsed, length == bytes.count,
                    header.serialized() == bytes
                else {
                    throw .malformed(offset: headerOffset, detail: "not a gzip member header")
                }
                var repeated = base
                repeated.gzip?.header = header
                recipe = repeated
            case let form:
                throw .malformed(offset: formOffset, detail: "member form \(form)")
            }
            members.append(Member(contentSize: contentSize, recipe: recipe))
            previous = recipe
        }
        self.members = members
    }
}

/// Compresses content as the members of a ``GzipMemberList``, back to back, each from its
/// own recipe's encoder, which streams: memory is one member encoder's at a time.
final class GzipMemberListEncoder: StreamEncoder {
    private let list: GzipMemberList
    private var index = 0
    private var fill: UInt64 = 0
    private var member: (any StreamEncoder)?
    private var finished = false

    /// An encoder for the members `list` gives.
    init(_ list: GzipMemberList) {
        self.list = list
    }

    func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        var consumed = 0
        while consumed < input.count {
            try closeFullMembers(into: sink)
            guard index < list.members.count else {
                throw RecipeError.unsupported("the content is longer than the \(list.members.count) gzip members hold")
            }
            let current = try member ?? list.members[index].recipe.makeEncoder()
            member = current
            let step = Int(min(UInt64(input.count - consumed), list.members[index].contentSize - fill))
            try current.process(UnsafeRawBufferPointer(rebasing: input[consumed..<(consumed + step)]), into: sink)
            fill += UInt64(step)
            consumed += step
        }
    }

    func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try closeFullMembers(into: sink)
        guard index == list.members.count else {
            throw RecipeError.unsupported("the content ended inside gzip member \(index + 1) of \(list.members.count)")
        }
    }

    /// Finishes every member whose content is complete (empty members included), keeping
    /// the last one open until its content is known to be complete.
    private func closeFullMembers(into sink: ChunkSink) throws {
        while index < list.members.count && fill == list.members[index].contentSize {
            try (member ?? list.members[index].recipe.makeEncoder()).finish(into: sink)
            member = nil
            fill = 0
            index += 1
        }
    }
}
