//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The code blocks of the repository's README.md, for the tests that compile and run them.
struct Readme {
    /// One fenced code block.
    struct Block {
        /// The `## ` heading it is under.
        var section: String
        /// The fence's language (`swift`, `sh`, `text`).
        var language: String
        /// The code, without the fence's indentation.
        var code: String

        /// The lines with their indentation and trailing blanks trimmed: how blocks are compared with sources.
        var trimmedLines: [String] { Readme.trimmedLines(code) }
    }

    /// The README's text.
    var text: String
    /// Every fenced code block, in order.
    var blocks: [Block]

    /// The section a person follows to use this package from their own.
    static let packageGuideSection = "Use it in your package"
    /// The section with the two commands, which comes first.
    static let commandsSection = "Try it: two commands"
    /// The sections a newcomer meets first, in this order, before any other.
    static let leadingSections = [commandsSection, packageGuideSection, "A tour", "The command-line tools"]
    /// The clone's folder name that the package guide's `Package.swift` uses.
    static let cloneFolder = "swift-tractor"
    /// What the package guide tells a person whose clone's folder has another name.
    static let cloneFolderRule = "write its name in place of `swift-tractor` in both places of `Package.swift`"

    /// Reads README.md at the root of the repository.
    static func load() throws -> Readme {
        let text = try String(contentsOfFile: CommandRunner.repositoryRoot + "/README.md", encoding: .utf8)
        return Readme(text: text, blocks: parse(text))
    }

    /// The `## ` headings, in order.
    var sections: [String] {
        var inFence = false
        var headings: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.drop(while: { $0 == " " }).hasPrefix("```") { inFence.toggle() }
            if !inFence, line.hasPrefix("## ") { headings.append(String(line.dropFirst(3))) }
        }
        return headings
    }

    /// The text of the `## ` section `name` (its subsections included), with every run of white space made one space,
    /// so that a phrase matches wherever the lines of its paragraph were broken.
    func prose(of name: String) -> String {
        let parts = text.components(separatedBy: "\n## ")
        let section = parts.first { $0.hasPrefix(name + "\n") } ?? ""
        return Self.collapsingWhiteSpace(section)
    }

    static func collapsingWhiteSpace(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    var swiftBlocks: [Block] { blocks.filter { $0.language == "swift" } }

    /// The program at the top of the README, which the package guide builds as its `main.swift`.
    func program() throws -> Block {
        guard let first = swiftBlocks.first else { throw CommandRunner.Failure(description: "README has no Swift") }
        return first
    }

    /// The `Package.swift` of the package guide.
    func packageManifest() throws -> Block {
        guard
            let block = swiftBlocks.first(where: {
                $0.section == Self.packageGuideSection && $0.code.contains("import PackageDescription")
            })
        else {
            throw CommandRunner.Failure(description: "README's \"\(Self.packageGuideSection)\" has no Package.swift")
        }
        return block
    }

    /// The shell commands of the package guide.
    func packageCommands() throws -> Block {
        guard let block = blocks.first(where: { $0.section == Self.packageGuideSection && $0.language == "sh" }) else {
            throw CommandRunner.Failure(description: "README's \"\(Self.packageGuideSection)\" has no commands")
        }
        return block
    }

    static func parse(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var section = ""
        var open: (language: String, indent: Int, lines: [Substring])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if var block = open {
                if trimmed.hasPrefix("```") {
                    let code = block.lines.map {
                        String($0.dropFirst(min(block.indent, $0.prefix { $0 == " " }.count)))
                    }
                    blocks.append(Block(section: section, language: block.language, code: code.joined(separator: "\n")))
                    open = nil
                } else {
                    block.lines.append(line)
                    open = block
                }
            } else if trimmed.hasPrefix("```") {
                open = (String(trimmed.dropFirst(3)), line.count - trimmed.count, [])
            } else if line.hasPrefix("## ") {
                section = String(line.dropFirst(3))
            }
        }
        return blocks
    }

    static func trimmedLines(_ code: String) -> [String] {
        code.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }
}
