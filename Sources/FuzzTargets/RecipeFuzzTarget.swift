import DeltaCore

extension FuzzTargets {
    /// Parses arbitrary bytes as a serialized recipe (with its producer, member-layout and
    /// restart-point payloads) and as a gzip member header. Errors are expected; a crash, or a
    /// parse that does not survive a round trip, is a bug.
    /// - Returns: 1 for each of the two parsers that accepted the input.
    @discardableResult
    public static func recipes(_ input: UnsafeRawBufferPointer) -> Int {
        var accepted = 0
        do {
            let recipe = try RecompressionRecipe(serialized: Array(input))
            let again = try RecompressionRecipe(serialized: recipe.serialized())
            precondition(again == recipe, "recipe round trip")
            // The producer and layout payloads this build reads survive their own round trip.
            if let producer = try? recipe.deflateProducer() {
                precondition(
                    (try? DeflateProducer(payload: producer.payload)) == producer, "deflate producer round trip")
            }
            if let layout = try? recipe.memberLayout() {
                precondition((try? MemberLayout(payload: layout.payload)) == layout, "member layout round trip")
            }
            if let payload = recipe.extensionPayload(.restartPoints),
                let points = try? DeflateRestartPoints(serialized: payload)
            {
                let pointsAgain = try DeflateRestartPoints(serialized: points.serialized())
                precondition(pointsAgain == points, "restart points round trip")
            }
            accepted += 1
        } catch {
            _ = String(describing: error)
        }
        do {
            let (header, length) = try GzipHeader.parse(input)
            precondition(header.serialized() == Array(input.prefix(length)), "gzip header round trip")
            accepted += 1
        } catch {
            _ = String(describing: error)
        }
        return accepted
    }
}
