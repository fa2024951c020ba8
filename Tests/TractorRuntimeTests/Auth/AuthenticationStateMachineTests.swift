//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// The mutual challenge without I/O: two machines talk through byte queues, whole messages or a byte at a time.
@Suite struct AuthenticationStateMachineTests {
    typealias Machine = AuthenticationStateMachine

    static let secret = TractorSecret.random()

    static func machine(
        _ role: Machine.Role,
        secret: TractorSecret = secret,
        version: UInt32 = tractorWireVersion,
        nonce: [UInt8] = sys_random_bytes(32)
    ) -> Machine {
        Machine(role: role, secret: secret, version: version, nonce: nonce)
    }

    @Test(arguments: [1, 7, 40, Int.max])
    func theSameSecretAuthenticatesBothEnds(deliveredInChunksOf chunk: Int) {
        var connector = Self.machine(.connector)
        var acceptor = Self.machine(.acceptor)
        let conversation = Conversation.run(&connector, &acceptor, chunk: chunk)
        #expect(conversation.connectorOutcome?.isAuthenticated == true)
        #expect(conversation.acceptorOutcome?.isAuthenticated == true)
        #expect(conversation.connectorSent.count == Machine.helloSize + Machine.proofSize)
        #expect(conversation.acceptorSent.count == Machine.challengeSize + 4)
        #expect(connector.isDone && acceptor.isDone && connector.wanted == 0 && acceptor.wanted == 0)
    }

    @Test func aConnectorRefusesAnAcceptorWithAnotherSecret() {
        var connector = Self.machine(.connector)
        var acceptor = Self.machine(.acceptor, secret: .random())
        let conversation = Conversation.run(&connector, &acceptor)
        #expect(conversation.connectorOutcome?.failure?.code == .handshakeFailed)
        #expect(conversation.connectorOutcome?.failure?.message.contains("different secrets") == true)
        // The connector sent no proof: the acceptor waits for one until the connection closes.
        #expect(conversation.connectorSent.count == Machine.helloSize)
        #expect(conversation.acceptorOutcome == nil)
        #expect(acceptor.peerClosed().code == .handshakeFailed)
    }

    @Test func anAcceptorRefusesAConnectorWithAnotherSecret() {
        // A connector that ignores the acceptor's proof and answers with a proof made from a wrong secret.
        var acceptor = Self.machine(.acceptor)
        _ = acceptor.start()
        let nonce = sys_random_bytes(32)
        let challenge = acceptor.receive(Machine.magic + [0, 0, 0, UInt8(tractorWireVersion)] + nonce).send
        #expect(challenge.count == Machine.challengeSize)
        let acceptorNonce = Array(challenge[8..<40])
        let forged = Machine.proof(
            role: .connector, secret: .random(), version: tractorWireVersion, connectorNonce: nonce,
            acceptorNonce: acceptorNonce
        )
        let action = acceptor.receive(forged)
        #expect(action.send.isEmpty)
        #expect(action.outcome?.failure?.message.contains("did not prove") == true)
    }

    @Test func replayingAConnectorsRecordedBytesToANewAcceptorFails() {
        var connector = Self.machine(.connector)
        var acceptor = Self.machine(.acceptor)
        let recorded = Conversation.run(&connector, &acceptor).connectorSent
        // The same bytes, byte for byte, to an acceptor with a fresh nonce.
        var fresh = Self.machine(.acceptor)
        _ = fresh.start()
        let challenge = fresh.receive(recorded[..<Machine.helloSize])
        #expect(challenge.send.count == Machine.challengeSize)
        let answer = fresh.receive(recorded[Machine.helloSize...])
        #expect(answer.send.isEmpty)
        #expect(answer.outcome?.failure?.code == .handshakeFailed)
    }

    @Test func replayingAnAcceptorsRecordedBytesToANewConnectorFails() {
        var connector = Self.machine(.connector)
        var acceptor = Self.machine(.acceptor)
        let recorded = Conversation.run(&connector, &acceptor).acceptorSent
        var fresh = Self.machine(.connector)
        _ = fresh.start()
        let action = fresh.receive(recorded[..<Machine.challengeSize])
        #expect(action.send.isEmpty)
        #expect(action.outcome?.failure?.code == .handshakeFailed)
    }

    @Test func anAcceptorsProofReflectedBackAsTheConnectorsFails() {
        var acceptor = Self.machine(.acceptor)
        _ = acceptor.start()
        let challenge = acceptor.receive(Machine.magic + [0, 0, 0, UInt8(tractorWireVersion)] + sys_random_bytes(32))
        let acceptorProof = challenge.send[40...]
        let action = acceptor.receive(acceptorProof)
        #expect(action.outcome?.failure?.code == .handshakeFailed)
    }

    @Test func anEchoedNonceFails() {
        let nonce = sys_random_bytes(32)
        var connector = Self.machine(.connector, nonce: nonce)
        var acceptor = Self.machine(.acceptor, nonce: nonce)
        let conversation = Conversation.run(&connector, &acceptor)
        #expect(conversation.acceptorOutcome?.failure?.message.contains("own nonce") == true)
    }

    @Test func anotherWireVersionIsNamedOnBothEnds() {
        var connector = Self.machine(.connector, version: 3)
        var acceptor = Self.machine(.acceptor, version: 4)
        let conversation = Conversation.run(&connector, &acceptor)
        #expect(conversation.acceptorOutcome?.failure?.message.contains("wire version 3") == true)
        #expect(conversation.connectorOutcome?.failure?.message.contains("wire version 4") == true)
    }

    @Test(arguments: [
        Array("GET / HTTP/1.1\r\nHost: head\r\n\r\n".utf8),
        [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0],
        Array("TRCX".utf8),
        [0x54, 0x52, 0, 0],
    ])
    func garbageFailsAsSoonAsItsFirstWrongByteIsIn(garbage: [UInt8]) {
        var acceptor = Self.machine(.acceptor)
        _ = acceptor.start()
        var outcome: Machine.Outcome?
        var consumed = 0
        for byte in garbage where outcome == nil {
            outcome = acceptor.receive([byte]).outcome
            consumed += 1
        }
        #expect(outcome?.failure?.message.contains("not a Tractor host") == true)
        let firstWrong = zip(garbage, Machine.magic).prefix { $0 == $1 }.count + 1
        #expect(consumed == firstWrong)
    }
}

/// Two machines exchanging bytes until neither can go on.
struct Conversation {
    var connectorSent: [UInt8] = []
    var acceptorSent: [UInt8] = []
    var connectorOutcome: AuthenticationStateMachine.Outcome?
    var acceptorOutcome: AuthenticationStateMachine.Outcome?

    static func run(
        _ connector: inout AuthenticationStateMachine,
        _ acceptor: inout AuthenticationStateMachine,
        chunk: Int = .max
    ) -> Conversation {
        var conversation = Conversation()
        var toAcceptor = connector.start().send
        conversation.connectorSent = toAcceptor
        _ = acceptor.start()
        var toConnector: [UInt8] = []
        var progress = true
        while progress {
            progress = false
            while !toAcceptor.isEmpty, acceptor.wanted > 0, conversation.acceptorOutcome == nil {
                let count = min(acceptor.wanted, toAcceptor.count, chunk)
                let action = acceptor.receive(toAcceptor.prefix(count))
                toAcceptor.removeFirst(count)
                conversation.acceptorSent += action.send
                toConnector += action.send
                conversation.acceptorOutcome = action.outcome
                progress = true
            }
            while !toConnector.isEmpty, connector.wanted > 0, conversation.connectorOutcome == nil {
                let count = min(connector.wanted, toConnector.count, chunk)
                let action = connector.receive(toConnector.prefix(count))
                toConnector.removeFirst(count)
                conversation.connectorSent += action.send
                toAcceptor += action.send
                conversation.connectorOutcome = action.outcome
                progress = true
            }
        }
        return conversation
    }
}

extension AuthenticationStateMachine.Outcome {
    var isAuthenticated: Bool {
        if case .authenticated = self { return true }
        return false
    }

    var failure: TractorError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
