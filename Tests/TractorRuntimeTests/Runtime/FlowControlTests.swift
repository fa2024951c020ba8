//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// The flow-control state machines, without processes.
@Suite struct FlowControlTests {
    @Test func receiverBuffersUpToTheWindowAndGrantsInQuarterWindows() {
        var inbound = InboundFlowStateMachine(window: 4)
        guard case .suspend = inbound.take() else {
            Issue.record("an empty stream must make the consumer wait")
            return
        }
        guard case .buffered(wakeConsumer: true) = inbound.received([1]) else {
            Issue.record("the waiting consumer must be woken")
            return
        }
        for byte: UInt8 in 2...4 {
            guard case .buffered(wakeConsumer: false) = inbound.received([byte]) else {
                Issue.record("element \(byte) must be buffered")
                return
            }
        }
        guard case .overrun = inbound.received([5]) else {
            Issue.record("a fifth element beyond a window of four is an overrun")
            return
        }
        guard case .elements(let batch) = inbound.take() else {
            Issue.record("the four elements must be handed over together")
            return
        }
        #expect(batch.payloads == [[1], [2], [3], [4]])
        // Taking is not consuming: the window stays full until the consumer reports.
        guard case .overrun = inbound.received([5]) else {
            Issue.record("credit only comes back when the consumer reports")
            return
        }
        let first = inbound.consumed(1)
        let second = inbound.consumed(1)
        let third = inbound.consumed(2)
        #expect([first, second, third] == [1, 1, 2])
        guard case .buffered = inbound.received([5]) else {
            Issue.record("granted credit makes room again")
            return
        }
    }

    @Test func endDeliversBufferedElementsFirst() {
        var inbound = InboundFlowStateMachine(window: 8)
        _ = inbound.received([1])
        _ = inbound.ended(.finished)
        guard case .elements(let batch) = inbound.take(), batch.payloads == [[1]], case .finished = inbound.take() else {
            Issue.record("the buffered element comes before the end")
            return
        }
        guard case .ignored = inbound.received([2]) else {
            Issue.record("elements after the end are ignored")
            return
        }
        let credit = inbound.consumed(8)
        #expect(credit == 0)
    }

    @Test func failureIsReportedAfterBufferedElements() {
        var inbound = InboundFlowStateMachine(window: 8)
        _ = inbound.received([7])
        _ = inbound.ended(.failed(TractorError(.actorCrashed, "gone")))
        guard case .elements(let batch) = inbound.take(), batch.payloads == [[7]],
              case .failed(let error) = inbound.take() else {
            Issue.record("the buffered element comes before the failure")
            return
        }
        #expect((error as? TractorError)?.code == .actorCrashed)
    }

    @Test func senderSpendsCreditsAndWaitsWithoutThem() {
        var outbound = OutboundFlowStateMachine()
        guard case .wait = outbound.send() else {
            Issue.record("no credit yet: wait")
            return
        }
        outbound.granted(2)
        guard case .send = outbound.send(), case .send = outbound.send(), case .wait = outbound.send() else {
            Issue.record("two credits allow two sends")
            return
        }
        let first = outbound.finish()
        let second = outbound.finish()
        #expect(first)
        #expect(!second)
        guard case .fail = outbound.send() else {
            Issue.record("nothing can be sent after finishing")
            return
        }
    }
}
