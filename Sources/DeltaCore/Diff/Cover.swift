/// A stretch of the new file reproduced from the old one: `length` bytes at `newPosition`
/// equal, byte for byte up to a small residual, the bytes at `oldPosition`.
///
/// Whatever lies between covers is new material (literals).
struct Cover: Equatable {
    var newPosition: Int
    var oldPosition: Int
    var length: Int
}
