//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

@Suite struct CPUSetTests {
    @Test(arguments: [
        ("0-3,8,10-11", [0, 1, 2, 3, 8, 10, 11], "0-3,8,10-11"),
        ("0", [0], "0"),
        ("", [], ""),
        ("  0-1\n", [0, 1], "0-1"),
        ("5,3,1", [1, 3, 5], "1,3,5"),
        ("0-1,1-2", [0, 1, 2], "0-2"),
        ("0-7:2", [0, 2, 4, 6], "0,2,4,6"),
        ("1-9:4", [1, 5, 9], "1,5,9"),
        ("63-65,127-128", [63, 64, 65, 127, 128], "63-65,127-128"),
        ("4095", [4095], "4095"),
    ])
    func parsesAndPrintsTheLinuxListSyntax(list: String, cpus: [Int], printed: String) throws {
        let set = try CPUSet(parsing: list)
        #expect(Array(set) == cpus)
        #expect(set.description == printed)
        #expect(try CPUSet(parsing: set.description) == set)
    }

    @Test(arguments: [
        "a", "1-", "-1", "3-1", "1,,2", ",1", "1,", "0-3:0", "2:2", "1 2", "0x3", "+1", "1-2-3", "1.5",
        "99999999999999999999",
        "1048576",
    ])
    func rejectsBadSyntaxWithATypedError(list: String) {
        #expect {
            _ = try CPUSet(parsing: list)
        } throws: { error in
            guard let error = error as? TractorError else { return false }
            return error.code == .invalidArgument && error.message.contains(list.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func roundTripsRandomSets() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let cpus = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                Int.random(in: 0..<300, using: &generator)
            }
            let set = CPUSet(cpus)
            #expect(Array(set) == Array(Set(cpus)).sorted())
            #expect(try CPUSet(parsing: set.description) == set)
            #expect(set.count == Set(cpus).count)
        }
    }

    @Test func algebra() {
        let a = CPUSet(0...3)
        let b = CPUSet(2..<6)
        #expect(a.union(b) == CPUSet(0...5))
        #expect(a.intersection(b) == [2, 3])
        #expect(a.subtracting(b) == [0, 1])
        #expect(a.isSubset(of: CPUSet(0...9)))
        #expect(!a.isSubset(of: b))
        #expect(a.isDisjoint(with: CPUSet(4...7)))
        #expect(!a.isDisjoint(with: b))
        #expect(a.contains(3) && !a.contains(4) && !a.contains(-1) && !a.contains(1_000_000))
        #expect(a.count == 4 && a.first == 0 && a.last == 3)
        #expect(CPUSet().isEmpty && CPUSet().first == nil && CPUSet().last == nil && CPUSet().count == 0)

        var c = CPUSet()
        let insertedFirst = c.insert(200)
        let insertedAgain = c.insert(200)
        #expect(insertedFirst && !insertedAgain)
        #expect(c.count == 1 && c.last == 200)
        let removedFirst = c.remove(200)
        let removedAgain = c.remove(200)
        #expect(removedFirst && !removedAgain)
        #expect(c.isEmpty)
    }

    @Test func equalSetsAreEqualWhateverTheirHistory() {
        var grown = CPUSet([1, 500])
        grown.remove(500)
        #expect(grown == [1])
        #expect(grown.hashValue == CPUSet([1]).hashValue)
        let shrunk = CPUSet(0...300).intersection(CPUSet([1]))
        #expect(shrunk == grown)
        #expect(Set([grown, shrunk, CPUSet([1])]).count == 1)
    }

    @Test func encodesAsTheListString() throws {
        let set = CPUSet([0, 1, 2, 3, 8])
        let data = try JSONEncoder().encode(["cpus": set])
        #expect(String(decoding: data, as: UTF8.self) == #"{"cpus":"0-3,8"}"#)
        #expect(try JSONDecoder().decode([String: CPUSet].self, from: data) == ["cpus": set])
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode([String: CPUSet].self, from: Data(#"{"cpus":"3-1"}"#.utf8))
        }
    }
}
