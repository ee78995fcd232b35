import DeltaCore
import Foundation
import Testing

/// Version 2 of the recipe's binary form: extensions, and what old and new readers do with them.
@Suite struct RecipeExtensionTests {
    static let base = RecipeCodingTests.samples[0]

    static func withExtensions(_ extensions: [RecipeExtension]) -> RecompressionRecipe {
        var recipe = base
        recipe.extensions = extensions
        return recipe
    }

    @Test func aRecipeWithoutExtensionsIsStillWrittenAsVersionOne() {
        #expect(Self.base.serialized()[4] == 1)
    }

    @Test func extensionsRoundTripInBothFormsAsVersionTwo() throws {
        let recipe = Self.withExtensions([
            RecipeExtension(kind: .restartPoints, payload: [1, 2, 3]),
            RecipeExtension(kind: RecipeExtensionKind(rawValue: 77, isRequired: false), payload: []),
        ])
        let bytes = recipe.serialized()
        #expect(bytes[4] == 2)
        #expect(try RecompressionRecipe(serialized: bytes) == recipe)
        let json = try JSONEncoder().encode(recipe)
        #expect(String(decoding: json, as: UTF8.self).contains("\"payload\":\"010203\""))
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: json) == recipe)
    }

    @Test func setExtensionKeepsTagOrderAndReplaces() {
        var recipe = Self.base
        recipe.setExtension(.deflateProducer, payload: [9])
        recipe.setExtension(.restartPoints, payload: [1])
        recipe.setExtension(.deflateProducer, payload: [8])
        #expect(recipe.extensions.map(\.kind.rawValue) == [1, 2])
        #expect(recipe.extensionPayload(.deflateProducer) == [8])
        recipe.setExtension(.restartPoints, payload: nil)
        #expect(recipe.extensionPayload(.restartPoints) == nil)
    }

    /// An optional extension the encoder does not know is a hint it may ignore; a required one
    /// it does not follow must stop the rebuild before it makes wrong bytes.
    @Test func unknownRequiredExtensionsAreRefusedAndOptionalOnesIgnored() throws {
        let optional = Self.withExtensions([
            RecipeExtension(kind: RecipeExtensionKind(rawValue: 90, isRequired: false), payload: [0])
        ])
        _ = try optional.makeEncoder()
        let required = Self.withExtensions([
            RecipeExtension(kind: RecipeExtensionKind(rawValue: 91, isRequired: true), payload: [0])
        ])
        #expect(throws: RecipeError.unsupported("the recipe needs extension 91, which this build cannot follow")) {
            _ = try required.makeEncoder()
        }
    }

    @Test func malformedExtensionSectionsNameTheOffset() throws {
        let good = Self.withExtensions([
            RecipeExtension(kind: .restartPoints, payload: [5]),
            RecipeExtension(kind: .deflateProducer, payload: [7]),
        ]).serialized()
        let sectionStart = Self.base.serialized().count
        // Tags out of order.
        var swapped = good
        swapped[sectionStart + 1] = 2
        swapped[sectionStart + 5] = 1
        #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: swapped) }
        // A known kind with the wrong required flag.
        var flipped = good
        flipped[sectionStart + 2] = 1
        #expect(throws: RecipeError.malformed(offset: sectionStart + 2, detail: "restart-points marked required")) {
            try RecompressionRecipe(serialized: flipped)
        }
        // A hostile count.
        var many = Array(good.prefix(sectionStart))
        many[4] = 2
        many.append(100)
        #expect(throws: RecipeError.malformed(offset: sectionStart, detail: "100 extensions (1 to 16 allowed)")) {
            try RecompressionRecipe(serialized: many)
        }
        // Truncated anywhere in the section.
        for cut in sectionStart..<good.count {
            #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: Array(good.prefix(cut))) }
        }
    }
}
