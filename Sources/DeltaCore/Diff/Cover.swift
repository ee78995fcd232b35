/// A stretch of the new file reproduced from the old one: `length` bytes at `newPosition`
/// equal, byte for byte up to a small residual, the bytes at `oldPosition`.
///
/// Whatever lies between covers is new material (literals).
public struct Cover: Equatable, Sendable {
    /// Where the stretch starts in the new file.
    public var newPosition: Int
    /// Where the bytes it copies start in the old file.
    public var oldPosition: Int
    /// How many bytes it copies.
    public var length: Int

    /// Creates a cover.
    public init(newPosition: Int, oldPosition: Int, length: Int) {
        self.newPosition = newPosition
        self.oldPosition = oldPosition
        self.length = length
    }
}
