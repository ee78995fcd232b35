import DeltaCore

extension FuzzTargets {
    /// Deflate reconstruction on arbitrary bytes. The first byte selects the mode, the next
    /// two (little-endian, at most 4096) the content's length; the content follows, then:
    /// - mode even: a reconstruction payload, replayed over the content. Errors are expected;
    ///   a stream that comes out must analyse again into a payload that replays to it;
    /// - mode odd: a raw deflate stream, analysed against the content; a payload that comes
    ///   out must replay to the stream. With bit 1 set, the analysis cuts segments of
    ///   `(mode >> 2) * 16 + 1` content bytes, so that a stream of several blocks is segmented.
    /// A crash, a hang or a broken round trip is a bug.
    /// - Returns: 1 when the replay or the analysis succeeded (and its round trip held).
    @discardableResult
    public static func reconstruction(_ input: UnsafeRawBufferPointer) -> Int {
        guard input.count >= 3 else { return 0 }
        let mode = input[0]
        let contentLength = min(Int(input[1]) | Int(input[2]) << 8, 4096, input.count - 3)
        let content = UnsafeRawBufferPointer(rebasing: input[3..<3 + contentLength])
        let rest = UnsafeRawBufferPointer(rebasing: input[(3 + contentLength)...])
        if mode & 1 == 0 {
            guard let stream = try? DeflateReconstruction.replay(payload: Array(rest), content: content) else {
                return 0
            }
            // The replayed stream need not decode to the content (the payload is not checked
            // against a target here); when it does, it must survive a second round trip.
            guard
                let again = stream.withUnsafeBytes({ try? DeflateReconstruction.analyse(deflate: $0, content: content) }
                )
            else { return 1 }
            precondition(
                (try? DeflateReconstruction.replay(payload: again, content: content)) == stream,
                "reconstruction round trip")
            return 1
        }
        let analysed =
            mode & 2 == 0
            ? try? DeflateReconstruction.analyse(deflate: rest, content: content)
            : try? DeflateReconstruction.analyse(deflate: rest, content: content, segmentSize: Int(mode >> 2) * 16 + 1)
        guard let payload = analysed else { return 0 }
        precondition(
            (try? DeflateReconstruction.replay(payload: payload, content: content)).map { $0.elementsEqual(rest) }
                == true,
            "analysed stream does not replay")
        return 1
    }
}
