/// Builds small ustar archives in memory, with checksums as GNU tar writes them.
enum TarBuilder {
    static func archive(_ files: [(String, [UInt8])], mtime: Int) -> [UInt8] {
        var out = [UInt8]()
        for (name, content) in files {
            out += header(name: name, size: content.count, mtime: mtime)
            out += content
            out += [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func header(name: String, size: Int, mtime: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        put(name, at: 0)
        put(octal(0o644, width: 7), at: 100)
        put(octal(1000, width: 7), at: 108)
        put(octal(1000, width: 7), at: 116)
        put(octal(size, width: 11), at: 124)
        put(octal(mtime, width: 11), at: 136)
        put("        ", at: 148)
        put("0", at: 156)
        put("ustar", at: 257)
        put("00", at: 263)
        put("user", at: 265)
        put("group", at: 297)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 6), at: 148)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }
}
