//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool

/// What the README and the pages of `docs/` say beside their code: their order, their links, the `make` targets and
/// packages they name, the message limit, the figures the README quotes.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReadmeClaimsTests {
    /// README.md and every page of `docs/`, by path from the repository's root.
    static func pages() throws -> [String: String] {
        let root = CommandRunner.repositoryRoot
        var pages = ["README.md": try String(contentsOfFile: root + "/README.md", encoding: .utf8)]
        for file in try FileManager.default.contentsOfDirectory(atPath: root + "/docs") where file.hasSuffix(".md") {
            pages["docs/" + file] = try String(contentsOfFile: root + "/docs/" + file, encoding: .utf8)
        }
        return pages
    }

    /// A page without its fenced code blocks.
    static func prose(_ page: String) -> String {
        var inFence = false
        return page.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            if line.drop(while: { $0 == " " }).hasPrefix("```") {
                inFence.toggle()
                return false
            }
            return !inFence
        }.joined(separator: "\n")
    }

    /// The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces made hyphens.
    static func anchors(_ page: String) -> Set<String> {
        var anchors: Set<String> = []
        for line in prose(page).split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.drop { $0 == " " }.lowercased()
            let kept = title.filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" }
            anchors.insert(String(kept.map { $0 == " " ? "-" : $0 }))
        }
        return anchors
    }

    /// The targets of `[text](target)` links, in a page's prose.
    static func links(_ page: String) throws -> [String] {
        let pattern = try NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let text = prose(page)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func theReadmeLeadsWithTheCommandsThePackageGuideTheTourAndTheTools() throws {
        let readme = try Readme.load()
        #expect(Array(readme.sections.prefix(Readme.leadingSections.count)) == Readme.leadingSections)
        // What it is, in words, then the program, before the first section.
        let beforeSections = readme.text.components(separatedBy: "\n## ").first ?? ""
        #expect(beforeSections.contains("```swift\nimport TractorPool"))
        #expect(try readme.program().section == "")
        // The deeper pages are pointed to, not included.
        for page in try Self.pages().keys where page.hasPrefix("docs/") {
            #expect(readme.prose(of: "Going further").contains("](\(page))"), "the README does not point to \(page)")
        }
    }

    @Test func everyLinkOfTheReadmeAndTheDocsLeadsToAFileOfTheRepositoryOrAHeadingOfAPage() throws {
        let root = URL(fileURLWithPath: CommandRunner.repositoryRoot).standardizedFileURL.path
        let pages = try Self.pages()
        for (path, page) in pages {
            let links = try Self.links(page)
            #expect(!links.isEmpty || !path.hasPrefix("docs/"), "\(path) links to nothing, not even the README")
            for link in links where !link.hasPrefix("https://") {
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let folder = URL(fileURLWithPath: root + "/" + path).deletingLastPathComponent()
                let target =
                    parts[0].isEmpty
                    ? URL(fileURLWithPath: root + "/" + path)
                    : folder.appendingPathComponent(parts[0]).standardizedFileURL
                #expect(target.path.hasPrefix(root + "/"), "\(path) links outside the repository: \(link)")
                #expect(FileManager.default.fileExists(atPath: target.path), "\(path) links to nothing: \(link)")
                if parts.count == 2 {
                    let linked = String(target.path.dropFirst(root.count + 1))
                    let anchors = Self.anchors(pages[linked] ?? "")
                    #expect(anchors.contains(parts[1]), "\(path): no heading of \(linked) is #\(parts[1])")
                }
            }
        }
    }

    @Test func everyMakeTargetTheyNameIsOneOfTheMakefile() throws {
        let makefile = try String(contentsOfFile: CommandRunner.repositoryRoot + "/Makefile", encoding: .utf8)
        let targets = Set(
            makefile.split(separator: "\n").compactMap { line -> String? in
                guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("\t"), !line.hasPrefix("#") else {
                    return nil
                }
                let name = line[..<colon]
                return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? String(name) : nil
            }
        )
        let pattern = try NSRegularExpression(pattern: #"`make\s+([a-z][a-z-]*)"#)
        var named = 0
        for (path, page) in try Self.pages() {
            for match in pattern.matches(in: page, range: NSRange(page.startIndex..., in: page)) {
                guard let range = Range(match.range(at: 1), in: page) else { continue }
                named += 1
                #expect(targets.contains(String(page[range])), "\(path) names `make \(page[range])`, not in the Makefile")
            }
        }
        #expect(named >= 10)
    }

    @Test func theTwoCommandsAreTheMakefilesAndInstallWhatTheReadmeSays() throws {
        let readme = try Readme.load()
        let makefile = try String(contentsOfFile: CommandRunner.repositoryRoot + "/Makefile", encoding: .utf8)
        let block = try #require(readme.blocks.first { $0.section == Readme.commandsSection && $0.language == "sh" })
        let commands = block.code.split(separator: "\n").map {
            $0.split(separator: "#", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        }
        #expect(commands == ["make run", "make test"])
        #expect(makefile.contains("run: deps\n\t$(SWIFT) run -c release primes\n"), "make run is no release run of primes")
        #expect(makefile.contains("test: deps pydeps build-tests\n"))
        let section = readme.prose(of: Readme.commandsSection)
        #expect(section.contains("for `make test` only, Python's `msgspec`"))
        #expect(makefile.contains("apt-get install -y -qq libhwloc-dev libnuma-dev"))
        #expect(makefile.contains("pip install -q --disable-pip-version-check msgspec"))
        for package in ["libhwloc-dev", "libnuma-dev", "msgspec"] {
            #expect(section.contains("`\(package)`"), "the README does not name \(package)")
        }
    }

    @Test func theMessageLimitIsTheOneTheyStateAndALargerInputFailsOnlyItsOwnJob() async throws {
        let limit = 64 << 20
        #expect(TractorConfiguration().maximumFrameSize == limit)
        let readme = try Readme.load()
        #expect(readme.prose(of: "A tour").contains("**Messages: 64 MiB at most.**"))
        #expect(readme.prose(of: "A tour").contains("Each element is one message of at most 64 MiB"))
        let design = try #require(try Self.pages()["docs/Design.md"])
        #expect(design.contains("## Messages: 64 MiB at most"))

        try await PoolTesting.checkingLeaks {
            try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                let error = await #expect(throws: TractorError.self) {
                    let future = try await pool.submit(BuiltinJobs.echo, String(repeating: "x", count: limit))
                    _ = try await future.value
                }
                #expect(error?.code == .frameTooLarge)
                #expect(error?.message.contains("exceeds the maximum frame size of \(limit) bytes") == true)
                // Nothing was sent: the pool and its worker go on.
                let small = try await pool.submit(BuiltinJobs.echo, "small")
                #expect(try await small.value == "small")
                #expect(pool.statistics.workersStarted == 1 && pool.statistics.workerCrashes == 0)
            }
        }
    }

    @Test func thePerformanceFiguresAreThoseOfTheBenchmarksPage() throws {
        let readme = try Readme.load()
        let performance = readme.prose(of: "Performance")
        let benchmarks = Readme.collapsingWhiteSpace(try #require(try Self.pages()["docs/Benchmarks.md"]))
        let pattern = try NSRegularExpression(pattern: #"[0-9][0-9.,]*[0-9]"#)
        let figures = pattern.matches(in: performance, range: NSRange(performance.startIndex..., in: performance))
            .compactMap { Range($0.range, in: performance).map { String(performance[$0]) } }
        #expect(figures.count >= 6)
        for figure in figures {
            #expect(benchmarks.contains(figure), "the README's \(figure) is not a figure of docs/Benchmarks.md")
        }
    }
}
