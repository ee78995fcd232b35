import ArgumentParser
import DeltaCore

/// Parses `--hashes MD5,BLAKE2B,SHA512` as Gentoo names them.
enum HashList {
    static func parse(_ text: String) throws -> [DigestAlgorithm] {
        let names = text.split(separator: ",").map { ReportText.trimmingSpaces($0) }
        guard !names.isEmpty else {
            throw ValidationError("--hashes needs at least one of MD5, SHA256, SHA512, BLAKE2B")
        }
        return try names.map { name in
            guard let algorithm = DigestAlgorithm(gentooName: name) else {
                throw ValidationError("unknown hash '\(name)'; known: MD5, SHA256, SHA512, BLAKE2B")
            }
            return algorithm
        }
    }
}
