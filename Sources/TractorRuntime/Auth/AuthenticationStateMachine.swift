//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Crypto

/// The mutual authentication of a new connection, as a state machine without I/O: bytes in, bytes to send and an
/// outcome out. ``TransportAuthenticator`` runs it over a transport.
///
/// Both ends prove that they hold the run's ``TractorSecret`` without sending it, over fresh random nonces from both
/// sides, before any frame is read:
///
///     connector → acceptor   hello      "TRCT" version(4) nonceC(32)                        40 bytes
///     acceptor → connector   challenge  "TRCT" version(4) nonceA(32) HMAC(acceptor)(32)     72 bytes
///     connector → acceptor   proof      HMAC(connector)(32)                                 32 bytes
///     acceptor → connector   verdict    "TROK"                                               4 bytes
///
///     HMAC(role) = HMAC-SHA256(secret, "tractor-auth" role(1) version(4) nonceC nonceA)
///
/// The role byte (1 for the connector, 2 for the acceptor) makes each side's proof useless as the other's, so an
/// answer reflected back at its sender fails; the nonces make every conversation's proofs differ, so replaying a
/// recorded conversation fails; the version (big-endian) binds the proofs to the wire protocol spoken after them.
/// Proofs are checked in constant time (`HMAC.isValidAuthenticationCode`). A header that does not start with the
/// magic fails as soon as its first 4 bytes are in, so an HTTP request or random bytes are refused at once.
package struct AuthenticationStateMachine {
    /// Which end of the connection this is.
    package enum Role: UInt8, Sendable {
        /// The end that connected: it speaks first.
        case connector = 1
        /// The end that accepted the connection.
        case acceptor = 2
    }

    /// What to do after an event: send bytes (possibly none), then, once they are written, end with the outcome.
    package struct Action: Sendable {
        /// Bytes to write to the peer now.
        package var send: [UInt8] = []
        /// `nil` while the conversation goes on.
        package var outcome: Outcome?
    }

    /// How the authentication ended.
    package enum Outcome: Sendable {
        /// Both ends proved they hold the secret: the connection carries frames from now on.
        case authenticated
        /// It failed; the connection is to be closed (after writing what the action sends, if anything).
        case failed(TractorError)
    }

    private enum State {
        case idle
        case awaitingHello
        case awaitingChallenge
        case awaitingProof(connectorNonce: [UInt8])
        case awaitingVerdict
        case done
    }

    static let magic: [UInt8] = Array("TRCT".utf8)
    static let verdict: [UInt8] = Array("TROK".utf8)
    static let label: [UInt8] = Array("tractor-auth".utf8)
    package static let nonceSize = 32
    package static let proofSize = 32
    package static let helloSize = 8 + nonceSize
    package static let challengeSize = 8 + nonceSize + proofSize

    package let role: Role
    private let key: SymmetricKey
    private let version: UInt32
    private let nonce: [UInt8]
    private var state = State.idle
    /// The part of the message awaited that has arrived.
    private var inbound: [UInt8] = []

    /// A machine for one connection.
    ///
    /// - Parameters:
    ///   - role: This end's role.
    ///   - secret: The run's secret.
    ///   - version: The wire protocol version this end speaks (``tractorWireVersion``).
    ///   - nonce: 32 fresh random bytes, never used before.
    package init(role: Role, secret: TractorSecret, version: UInt32, nonce: [UInt8]) {
        self.role = role
        self.key = secret.key
        self.version = version
        self.nonce = nonce
    }

    /// Whether the conversation has ended.
    package var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// How many more bytes complete the message awaited; 0 when none is (not started, or done). Read no more than
    /// this, so that no byte sent after the handshake is taken from the connection.
    package var wanted: Int {
        switch state {
        case .idle, .done: 0
        case .awaitingHello: Self.helloSize - inbound.count
        case .awaitingChallenge: Self.challengeSize - inbound.count
        case .awaitingProof: Self.proofSize - inbound.count
        case .awaitingVerdict: Self.verdict.count - inbound.count
        }
    }

    /// Starts: the connector sends its hello; the acceptor waits for one.
    package mutating func start() -> Action {
        guard case .idle = state else { return Action() }
        switch role {
        case .connector:
            state = .awaitingChallenge
            return Action(send: Self.magic + Self.bigEndian(version) + nonce)
        case .acceptor:
            state = .awaitingHello
            return Action()
        }
    }

    /// Takes bytes from the peer: at most ``wanted`` of them.
    package mutating func receive(_ bytes: some Collection<UInt8>) -> Action {
        guard wanted > 0 else { return fail("the peer sent bytes out of turn") }
        inbound.append(contentsOf: bytes.prefix(wanted))
        let header: Bool
        switch state {
        case .awaitingHello, .awaitingChallenge: header = true
        default: header = false
        }
        let seen = min(inbound.count, Self.magic.count)
        if header, !inbound.prefix(seen).elementsEqual(Self.magic.prefix(seen)) {
            return fail("the peer is not a Tractor host: its first bytes are not the authentication's")
        }
        guard wanted == 0 else { return Action() }
        let message = inbound
        inbound = []
        switch state {
        case .awaitingHello: return acceptorReceivedHello(message)
        case .awaitingChallenge: return connectorReceivedChallenge(message)
        case .awaitingProof(let connectorNonce): return acceptorReceivedProof(message, connectorNonce: connectorNonce)
        case .awaitingVerdict: return connectorReceivedVerdict(message)
        case .idle, .done: return fail("the peer sent bytes out of turn")
        }
    }

    /// The peer closed the connection (or it failed) before the conversation ended: the error saying what that
    /// most likely means at this point.
    package mutating func peerClosed(_ cause: TractorError? = nil) -> TractorError {
        let why: String
        switch state {
        case .awaitingChallenge:
            why = "the peer closed the connection instead of answering: it is not a Tractor host, or it is "
                + "authenticating too many connections"
        case .awaitingVerdict:
            why = "the peer refused this end's proof: the two ends were given different secrets"
        default:
            why = "the peer closed the connection during authentication"
        }
        state = .done
        return TractorError(.handshakeFailed, why, cause: cause)
    }

    /// The deadline passed before the conversation ended.
    package mutating func expired(after timeout: Duration) -> TractorError {
        state = .done
        return TractorError(.handshakeFailed, "the peer did not complete the authentication within \(timeout)")
    }

    // MARK: Messages

    private mutating func acceptorReceivedHello(_ hello: [UInt8]) -> Action {
        let peerVersion = Self.readBigEndian(hello[4..<8])
        guard peerVersion == version else {
            // Say which version this end speaks (with no proof), so that the connector can tell what went wrong.
            var action = fail("the peer speaks wire version \(peerVersion); this end speaks version \(version)")
            action.send = Self.magic + Self.bigEndian(version) + [UInt8](repeating: 0, count: Self.nonceSize * 2)
            return action
        }
        let connectorNonce = Array(hello[8...])
        guard connectorNonce != nonce else { return fail("the peer sent this end's own nonce") }
        state = .awaitingProof(connectorNonce: connectorNonce)
        let proof = Self.proof(
            role: .acceptor, key: key, version: version, connectorNonce: connectorNonce, acceptorNonce: nonce
        )
        return Action(send: Self.magic + Self.bigEndian(version) + nonce + proof)
    }

    private mutating func connectorReceivedChallenge(_ challenge: [UInt8]) -> Action {
        let peerVersion = Self.readBigEndian(challenge[4..<8])
        guard peerVersion == version else {
            return fail("the peer speaks wire version \(peerVersion); this end speaks version \(version)")
        }
        let acceptorNonce = Array(challenge[8..<(8 + Self.nonceSize)])
        let proof = challenge[(8 + Self.nonceSize)...]
        guard acceptorNonce != nonce else { return fail("the peer sent this end's own nonce back") }
        let transcript = Self.transcript(
            role: .acceptor, version: version, connectorNonce: nonce, acceptorNonce: acceptorNonce
        )
        guard HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: transcript, using: key) else {
            return fail("the peer did not prove that it holds the secret: the two ends were given different secrets")
        }
        state = .awaitingVerdict
        return Action(send: Self.proof(
            role: .connector, key: key, version: version, connectorNonce: nonce, acceptorNonce: acceptorNonce
        ))
    }

    private mutating func acceptorReceivedProof(_ proof: [UInt8], connectorNonce: [UInt8]) -> Action {
        let transcript = Self.transcript(
            role: .connector, version: version, connectorNonce: connectorNonce, acceptorNonce: nonce
        )
        guard HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: transcript, using: key) else {
            return fail("the peer did not prove that it holds the secret: a wrong secret, or a replayed conversation")
        }
        state = .done
        return Action(send: Self.verdict, outcome: .authenticated)
    }

    private mutating func connectorReceivedVerdict(_ verdict: [UInt8]) -> Action {
        guard verdict == Self.verdict else { return fail("the peer's verdict is not the authentication's") }
        state = .done
        return Action(outcome: .authenticated)
    }

    private mutating func fail(_ why: String) -> Action {
        state = .done
        return Action(outcome: .failed(TractorError(.handshakeFailed, "authentication failed: \(why)")))
    }

    // MARK: Proofs

    /// The proof `role` sends in the conversation of the two nonces: HMAC-SHA256 of the transcript.
    package static func proof(
        role: Role,
        secret: TractorSecret,
        version: UInt32,
        connectorNonce: [UInt8],
        acceptorNonce: [UInt8]
    ) -> [UInt8] {
        proof(
            role: role, key: secret.key, version: version, connectorNonce: connectorNonce, acceptorNonce: acceptorNonce
        )
    }

    private static func proof(
        role: Role,
        key: SymmetricKey,
        version: UInt32,
        connectorNonce: [UInt8],
        acceptorNonce: [UInt8]
    ) -> [UInt8] {
        let transcript = transcript(
            role: role, version: version, connectorNonce: connectorNonce, acceptorNonce: acceptorNonce
        )
        return Array(HMAC<SHA256>.authenticationCode(for: transcript, using: key))
    }

    private static func transcript(
        role: Role,
        version: UInt32,
        connectorNonce: [UInt8],
        acceptorNonce: [UInt8]
    ) -> [UInt8] {
        label + [role.rawValue] + bigEndian(version) + connectorNonce + acceptorNonce
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
