//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorRuntime

/// Slurm host lists, expanded as `scontrol show hostnames` expands them.
struct HostlistTests {
    @Test(arguments: [
        ("node[01-03,07],gpu5", ["node01", "node02", "node03", "node07", "gpu5"]),
        ("n1", ["n1"]),
        ("", []),
        ("a,b , c", ["a", "b", "c"]),
        ("node[8-10]", ["node8", "node9", "node10"]),
        ("node[08-10]", ["node08", "node09", "node10"]),
        ("node[009-011]", ["node009", "node010", "node011"]),
        ("rack[1-2]-n[1-3]", ["rack1-n1", "rack1-n2", "rack1-n3", "rack2-n1", "rack2-n2", "rack2-n3"]),
        ("[1-2]x", ["1x", "2x"]),
        ("c[5]", ["c5"]),
        ("c[1,1]", ["c1", "c1"]),
        ("tux[0-1],tux[0-1]-ib", ["tux0", "tux1", "tux0-ib", "tux1-ib"]),
        ("gpu-a100-[1-2].cluster", ["gpu-a100-1.cluster", "gpu-a100-2.cluster"]),
    ])
    func expands(list: String, names: [String]) throws {
        #expect(try Hostlist.expand(list) == names)
    }

    @Test(arguments: [
        ("node[1-3", HostlistError.Code.unbalancedBracket, 8),
        ("node1-3]", .unbalancedBracket, 7),
        ("n[[1-2]]", .unbalancedBracket, 2),
        ("node[3-1]", .invalidRange, 5),
        ("node[a-b]", .invalidRange, 5),
        ("node[1-2-3]", .invalidRange, 5),
        ("node[]", .invalidRange, 5),
        ("node[1,,2]", .invalidRange, 7),
        ("a,,b", .emptyName, 2),
        ("a,", .emptyName, 2),
        ("n[0-9999999]", .tooManyHosts, 2),
        ("n[0-1023]x[0-1023]y[0-1]", .tooManyHosts, 19),
    ])
    func refuses(list: String, code: HostlistError.Code, offset: Int) {
        #expect {
            try Hostlist.expand(list)
        } throws: { error in
            guard let error = error as? HostlistError else { return false }
            return error.code == code && error.offset == offset && error.list == list
                && "\(error)".contains("HostlistError.\(code)")
        }
    }

    @Test func theLargestListExpands() throws {
        #expect(try Hostlist.expand("n[0-1023]x[0-1023]").count == Hostlist.maximumCount)
    }
}
