//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
@testable import TractorRuntime

/// The run's secret: its two text forms, the file and the environment variable, and that it never prints.
/// Serialized: one test sets `TRACTOR_SECRET`, which the others read.
@Suite(.serialized) struct TractorSecretTests {
    /// 0x00, 0x01, …, 0x1f.
    static let bytes = (0..<32).map { UInt8($0) }
    static let hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    @Test(arguments: [
        hex, hex.uppercased(), "  \(hex)\n", base64, String(base64.dropLast()), "\t\(base64)\r\n",
        // The URL-safe alphabet: the same bytes but for two.
    ])
    func bothTextFormsReadTheSameBytes(text: String) throws {
        let secret = try TractorSecret(encoded: Array(text.utf8), source: "a test")
        #expect(secret.hexEncoded() == Self.hex)
    }

    @Test func theURLSafeAlphabetReadsAsTheStandardOne() throws {
        let zeros = String(repeating: "A", count: 39)
        let standard = try TractorSecret(encoded: Array("+/+/\(zeros)=".utf8), source: "a test")
        let urlSafe = try TractorSecret(encoded: Array("-_-_\(zeros)".utf8), source: "a test")
        #expect(standard.hexEncoded() == urlSafe.hexEncoded())
    }

    @Test(arguments: [
        "", "abc", String(hex.dropLast(2)), hex + "00", String(hex.dropLast()) + "g", base64 + "!",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
    ])
    func anythingElseIsRefusedWithoutBeingQuoted(text: String) {
        let error = #expect(throws: TractorError.self) {
            try TractorSecret(encoded: Array(text.utf8), source: "the test input")
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("the test input") == true)
        if text.count > 4 { #expect(error?.description.contains(text) == false) }
    }

    @Test func theSecretNeverPrints() throws {
        let secret = try TractorSecret(bytes: Self.bytes)
        var dumped = ""
        dump(secret, to: &dumped)
        for text in ["\(secret)", String(reflecting: secret), dumped, "\([secret])"] {
            #expect(!text.contains(Self.hex))
            #expect(!text.contains("0a0b0c"))
        }
        #expect("\(secret)" == "TractorSecret(256 bits, redacted)")
        #expect(Mirror(reflecting: secret).children.isEmpty)
    }

    @Test func randomSecretsDiffer() {
        #expect(TractorSecret.random().hexEncoded() != TractorSecret.random().hexEncoded())
    }

    @Test func aPrivateFileIsReadAndAnOpenOneRefused() throws {
        let directory = try sys_mkdtemp("/tmp/tractor-secret-XXXXXX")
        let path = directory + "/secret"
        defer {
            sys_unlink(path)
            sys_rmdir(directory)
        }
        try write(Self.hex + "\n", to: path, mode: 0o600)
        #expect(try TractorSecret(contentsOfFile: path).hexEncoded() == Self.hex)
        #expect(try TractorSecret.load(file: path).hexEncoded() == Self.hex)

        chmod(path, 0o644)
        let open = #expect(throws: TractorError.self) { try TractorSecret(contentsOfFile: path) }
        #expect(open?.code == .invalidArgument)
        #expect(open?.message.contains("chmod 600") == true)
        #expect(open?.message.contains(Self.hex) == false)

        let missing = #expect(throws: TractorError.self) { try TractorSecret(contentsOfFile: directory + "/none") }
        #expect(missing?.code == .invalidArgument)
    }

    @Test func theEnvironmentVariableIsReadAndItsAbsenceExplained() throws {
        setenv(TractorSecret.environmentVariable, Self.base64, 1)
        defer { unsetenv(TractorSecret.environmentVariable) }
        #expect(try TractorSecret.fromEnvironment()?.hexEncoded() == Self.hex)
        #expect(try TractorSecret.load(file: nil).hexEncoded() == Self.hex)

        setenv(TractorSecret.environmentVariable, "not a secret", 1)
        let malformed = #expect(throws: TractorError.self) { try TractorSecret.fromEnvironment() }
        #expect(malformed?.message.contains("TRACTOR_SECRET") == true)

        unsetenv(TractorSecret.environmentVariable)
        #expect(try TractorSecret.fromEnvironment() == nil)
        let absent = #expect(throws: TractorError.self) { try TractorSecret.load(file: nil) }
        #expect(absent?.code == .invalidArgument)
        #expect(absent?.message.contains("never pass it on a command line") == true)
    }

    private func write(_ text: String, to path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }
}
