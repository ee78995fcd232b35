/// The renamed first path component of a tar's members (`Django-5.0.7` → `Django-5.1`):
/// every source release renames its top directory, and when the two names differ in length,
/// every header's name field shifts, so that copying old headers costs a replacement code for
/// each byte after the prefix (three quarters of the metadata residuals of Django 5.0.7 → 5.1).
///
/// With the `tarRename` feature the applier rewrites the name field of each completed ustar
/// header block of the new file: a name that is `old` followed by `/` or its end becomes `new`
/// followed by the rest (docs/patch-format.md). The differ diffs against the blocks that this
/// rewrite turns into the new file's (their *preimages*), which match the old headers again.
public struct TarPathRename: Sendable, Equatable {
    /// The old and new first path components: 1 to 100 bytes, no NUL or `/`, different.
    public let old: [UInt8]
    public let new: [UInt8]

    /// The ustar name field.
    static let nameField = 0..<100

    /// A rename, or nil if the components are not valid ones.
    public init?(old: [UInt8], new: [UInt8]) {
        guard old != new, Self.isComponent(old), Self.isComponent(new) else { return nil }
        self.old = old
        self.new = new
    }

    static func isComponent(_ bytes: [UInt8]) -> Bool {
        (1...nameField.count).contains(bytes.count) && !bytes.contains(0) && !bytes.contains(UInt8(ascii: "/"))
    }

    /// Renames the block's name field from `old` to `new` as the applier does.
    /// - Returns: whether the block was a ustar header whose name began with `old`.
    @discardableResult
    func apply(to block: inout [UInt8]) -> Bool {
        Self.rewrite(&block, from: old, to: new)
    }

    /// The block that ``apply(to:)`` turns into `block`: the block with `new` renamed back to
    /// `old`, or the block itself when its name does not begin with `new`. Nil when there is
    /// none: a name that already begins with `old`, one too long once renamed back, or bytes
    /// after the name's NUL that the rewrite would not keep.
    func preimage(of block: [UInt8]) -> [UInt8]? {
        var preimage = block
        if Self.rewrite(&preimage, from: new, to: old) {
            var check = preimage
            return apply(to: &check) && check == block ? preimage : nil
        }
        var check = block
        return apply(to: &check) ? nil : block
    }

    /// Rewrites a ustar name field that begins with the component `from`, followed by `/` or
    /// the name's end, to begin with `to` instead, padded with NULs; false, leaving the block
    /// alone, when it does not or the result would not fit.
    private static func rewrite(_ block: inout [UInt8], from: [UInt8], to: [UInt8]) -> Bool {
        guard TarBlockTracker.isUstar(block), block[nameField].starts(with: from) else { return false }
        let nameLength = block[nameField].firstIndex(of: 0) ?? nameField.upperBound
        guard from.count == nameLength || block[from.count] == UInt8(ascii: "/") else { return false }
        let renamedLength = nameLength - from.count + to.count
        guard renamedLength <= nameField.count else { return false }
        let field = to + block[from.count..<nameLength] + [UInt8](repeating: 0, count: nameField.count - renamedLength)
        block.replaceSubrange(nameField, with: field)
        return true
    }
}

extension TarPathRename {
    /// The rename between two tars' top directories: the first path component of each one's
    /// first ustar header for a file, directory or link (pax and long-name entries skipped),
    /// read from at most the first 1 MiB. Nil when either is no tar, or the components agree
    /// or have the same length: then the names do not shift, their few differing bytes cost
    /// almost nothing once run-coded, and the section would cost more (six 1.16.0 → 1.17.0:
    /// 23 bytes more with it, Django 5.0.7 → 5.1: 46 KB less).
    static func detect(old: UnsafeRawBufferPointer, new: UnsafeRawBufferPointer) -> TarPathRename? {
        guard let old = firstComponent(old), let new = firstComponent(new), old.count != new.count else { return nil }
        return TarPathRename(old: old, new: new)
    }

    static func firstComponent(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var layout = TarBlockTracker()
        var component: [UInt8]?
        var position = 0
        let metadataTypes: [UInt8] = [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K")]
        while component == nil, position < min(bytes.count, 1 << 20), layout.region.end != .max {
            let end = Int(min(UInt64(bytes.count), layout.region.end))
            layout.consume(UnsafeRawBufferPointer(rebasing: bytes[position..<end])) { block, _ in
                guard component == nil, TarBlockTracker.isUstar(block), !metadataTypes.contains(block[156]) else {
                    return
                }
                let name = block[nameField].prefix { $0 != 0 }
                component = Array(name.prefix { $0 != UInt8(ascii: "/") })
            }
            position = end
        }
        return component.flatMap { isComponent($0) ? $0 : nil }
    }

    /// The new file with every ustar header block replaced by its ``preimage(of:)``, or nil if
    /// some block has none.
    func preimage(ofArchive new: UnsafeRawBufferPointer) -> [UInt8]? {
        var preimage = [UInt8](new)
        var layout = TarBlockTracker()
        var representable = true
        preimage.withUnsafeMutableBytes { bytes in
            layout.consume(UnsafeRawBufferPointer(bytes)) { block, start in
                guard representable, let renamed = self.preimage(of: block) else {
                    representable = false
                    return
                }
                guard renamed != block else { return }
                for index in Self.nameField { bytes[Int(start) + index] = renamed[index] }
                block = renamed
            }
        }
        return representable ? preimage : nil
    }
}
