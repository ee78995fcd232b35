import ArgumentParser
import DeltaCore

#if canImport(FoundationEssentials)
// FoundationEssentials only (its JSON coders): full Foundation would link ICU and add about
// 11 MB to every run's resident memory, `mkpatch apply`'s included.
import FoundationEssentials
#else
import Foundation
#endif

/// `mkpatch recompress INPUT --recipe RECIPE.json -o OUT`
struct Recompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compress a file exactly as a recompression recipe says.",
        discussion: """
            INPUT holds the uncompressed content; RECIPE.json holds the `recipe` object that \
            `mkpatch inspect --json` printed for the original compressed file. When the recipe \
            records the original's size and SHA256 (inspect's recipes do), the output is checked \
            against them and, on a mismatch, no output file is left and the exit status is 1.

            Example:
              mkpatch inspect six-1.17.0.tar.gz --json | jq .recipe > recipe.json
              gzip -dc six-1.17.0.tar.gz > six.tar
              mkpatch recompress six.tar --recipe recipe.json -o rebuilt.tar.gz
            """
    )

    @Argument(help: "The uncompressed input.")
    var input: String

    @Option(help: "The recipe, as JSON (the `recipe` object of `mkpatch inspect --json`).")
    var recipe: String

    @Option(name: .shortAndLong, help: "Where to write the compressed file.")
    var output: String

    @OptionGroup var jobs: JobsOption

    func run() throws {
        let recipeData: Data
        do {
            let file = try ReadableFile(path: recipe)
            recipeData = Data(try file.prefix(Int(try file.size())))
        } catch {
            throw ValidationError("cannot read the recipe \(recipe): \(error)")
        }
        let parsed: RecompressionRecipe
        do {
            parsed = try JSONDecoder().decode(RecompressionRecipe.self, from: recipeData)
        } catch {
            throw ValidationError("\(recipe) is not a recompression recipe: \(error)")
        }
        try Recompressor.recompress(inputPath: input, recipe: parsed, outputPath: output, jobs: jobs.count)
    }
}
