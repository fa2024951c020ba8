//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// When the I/O loop polls before it sleeps: only after a sleep that a poll would have cut short, and not for long
/// once polls catch nothing.
@Suite struct SpinPolicyTests {
    @Test func aLoopStartsWithoutPollingAndAShortSleepTurnsPollingOn() {
        var policy = SpinPolicy(maximum: 50_000)
        #expect(policy.budget == 0)
        policy.blocked(for: 2_000_000)   // events 2 ms apart: a poll would not have caught them
        #expect(policy.budget == 0)
        policy.blocked(for: 30_000)      // a reply 30 µs after the loop slept: a poll would have
        #expect(policy.budget == 50_000)
        policy.caught()
        #expect(policy.budget == 50_000)
    }

    @Test func pollsThatCatchNothingStopPollingAfterAFewMisses() {
        var policy = SpinPolicy(maximum: 50_000)
        policy.blocked(for: 10_000)
        var misses = 0
        while policy.budget > 0 {
            policy.missed()
            misses += 1
        }
        #expect(misses == 4, "50 → 25 → 12.5 → 6.25 → off, below a tenth of the maximum")
        // Busy cores: the loop's sleeps last long, and it stays off.
        policy.blocked(for: 5_000_000)
        #expect(policy.budget == 0)
    }

    @Test func aLoopBoundToOneCPUNeverPolls() {
        // A pinned worker's loop shares its CPU with the job it just handed over: polling would delay that job.
        var policy = SpinPolicy(maximum: 50_000)
        policy.blocked(for: 10_000, mayUseOtherCPUs: false)
        #expect(policy.budget == 0)
        policy.blocked(for: 10_000, mayUseOtherCPUs: true)
        #expect(policy.budget == 50_000)
    }

    @Test func aMaximumOfZeroNeverPolls() {
        var policy = SpinPolicy(maximum: 0)
        policy.blocked(for: 0)
        #expect(policy.budget == 0)
    }
}
