/// The patch formats `mkpatch apply` recognises, told apart by their magic bytes.
public enum PatchFormat: String, Sendable, CaseIterable {
    /// deltafetch's own format (docs/patch-format.md): magic `0x89 "DFPATCH"`.
    case native
    /// bsdiff 4.x: magic `BSDIFF40`.
    case bsdiff40
    /// VCDIFF (RFC 3284), as xdelta3 writes it: magic `0xD6 0xC3 0xC4`.
    case vcdiff

    /// The native format's magic: a high byte first, so that 7-bit mangling shows at once.
    public static let nativeMagic: [UInt8] = [0x89, 0x44, 0x46, 0x50, 0x41, 0x54, 0x43, 0x48]
    /// bsdiff 4.x's magic.
    public static let bsdiff40Magic: [UInt8] = Array("BSDIFF40".utf8)
    /// VCDIFF's magic (the fourth byte is the version, 0).
    public static let vcdiffMagic: [UInt8] = [0xD6, 0xC3, 0xC4]

    /// How many leading bytes ``detect(_:)`` wants.
    public static let magicLength = 8

    /// The format whose magic starts `prefix`, or nil for anything else.
    public static func detect(_ prefix: some Collection<UInt8>) -> PatchFormat? {
        let head = Array(prefix.prefix(magicLength))
        if head.starts(with: nativeMagic) { return .native }
        if head.starts(with: bsdiff40Magic) { return .bsdiff40 }
        if head.starts(with: vcdiffMagic) { return .vcdiff }
        return nil
    }
}
