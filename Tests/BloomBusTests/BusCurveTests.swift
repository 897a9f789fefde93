import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("The bus over tcp with CURVE: keys, the ZAP handler, authorized and refused clients")
struct BusCurveTests {
    static let local = SenderID(service: .sync, replica: 0, bootID: 0x00_0101)
    static let remote = SenderID(service: .net, replica: 0, bootID: 0x00_0202)

    @Test("a key pair made from its secret key has the same public key, and Z85 and bytes convert both ways")
    func keyPair_fromSecret_derivesThePublicKey() throws {
        let pair = try CurveKeyPair.generate()
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try CurveKey(bytes: pair.publicKey.bytes) == pair.publicKey)
        #expect(pair.publicKey.bytes.count == 32)
        #expect(!"\(pair)".contains(pair.secretKey.z85))
        #expect(try CurveKey(z85: "  \(pair.publicKey.z85)\n") == pair.publicKey)
    }

    @Test("malformed key text is a typed error that does not echo the whole text", arguments: [
        "", "short", String(repeating: "a", count: 39), String(repeating: "a", count: 41),
        String(repeating: "~", count: 40), String(repeating: "\"", count: 40),
    ])
    func malformedKey_isATypedError(text: String) {
        do {
            _ = try CurveKey(z85: text)
            Issue.record("accepted '\(text)'")
        } catch {
            if case .malformed(let shown, _) = error, text.count > 8 { #expect(!shown.contains(text)) }
        }
        #expect(throws: CurveKeyError.self) { try CurveKey(bytes: Array(text.utf8)) }
    }

    @Test("the authorized-keys directory yields each file's key and names the files it cannot use")
    func authorizedKeys_readsKeysAndReportsBadFiles() throws {
        let directory = try TemporaryDirectory()
        let first = try CurveKeyPair.generate().publicKey
        let second = try CurveKeyPair.generate().publicKey
        try "# laptop\n\(first.z85)\n".write(toFile: directory.path + "/laptop.pub", atomically: true, encoding: .utf8)
        try "\(second.z85)".write(toFile: directory.path + "/edge", atomically: true, encoding: .utf8)
        try "not a key\n".write(toFile: directory.path + "/broken", atomically: true, encoding: .utf8)
        try "\(first.z85)\n\(second.z85)\n".write(toFile: directory.path + "/two", atomically: true, encoding: .utf8)

        let result = AuthorizedKeys.read(directory: directory.path)

        #expect(result.keys == [first, second])
        #expect(result.problems.count == 2)
        #expect(result.problems.contains { $0.contains("/broken") })
        #expect(result.problems.contains { $0.contains("/two") && $0.contains("one key") })
        #expect(AuthorizedKeys.read(directory: directory.path + "/missing").keys.isEmpty)
    }

    @Test("a remote client whose key is authorized joins over tcp, and its messages reach a local subscriber")
    func authorizedRemoteClient_joinsAndPublishes() async throws {
        let node = try await CurveBus.start()
        let clientKeys = try CurveKeyPair.generate()
        try node.authorize(clientKeys.publicKey, as: "edge")
        let context = try ZMQContext.make()
        let local = try BusClient(endpoints: node.localEndpoints, sender: Self.local, context: context)
        let remote = try node.remoteClient(as: Self.remote, keys: clientKeys, context: context)

        let received = try await withHangGuard {
            local.subscribe(.chainTip)
            try await local.joined()
            try await remote.joined()
            remote.publish(.chainTip, Self.tip)
            var iterator = local.messages.makeAsyncIterator()
            return try #require(await iterator.next())
        }

        #expect(received.envelope.sender == Self.remote)
        #expect(try received.decode(ChainTip.self) == Self.tip)
        #expect(node.forwarder.admittedClients >= 2)
        #expect(node.forwarder.refusedClients == 0)
        for client in [local, remote] { client.stop() }
        for client in [local, remote] { await client.stopped() }
        await node.stop()
    }

    @Test("a client whose key is not authorized is refused, and gets in when it dials again after its key file is added")
    func unknownKey_isRefused_untilItsKeyIsAuthorized() async throws {
        let node = try await CurveBus.start()
        let stranger = try CurveKeyPair.generate()
        let context = try ZMQContext.make()
        let remote = try node.remoteClient(as: Self.remote, keys: stranger, context: context)

        try await withHangGuard {
            let refused = await pollUntil(seconds: 30) { () async in node.forwarder.refusedClients >= 1 }
            #expect(refused, "the ZAP handler never saw the stranger's attempt")
            #expect(node.forwarder.admittedClients == 0)
            // libzmq gives up on a refused connection; once the key file exists, dialing again gets in (no
            // restart of the forwarder: the handler reads the directory again).
            try node.authorize(stranger.publicKey, as: "stranger")
            remote.redial()
            try await remote.joined(timeout: .seconds(20))
        }
        #expect(node.forwarder.admittedClients >= 2)
        remote.stop()
        await remote.stopped()
        await node.stop()
    }

    @Test("a client with the wrong server key never joins, and the forwarder's local endpoints stay plain")
    func wrongServerKey_cannotJoin_localStillWorks() async throws {
        let node = try await CurveBus.start()
        let clientKeys = try CurveKeyPair.generate()
        try node.authorize(clientKeys.publicKey, as: "edge")
        let context = try ZMQContext.make()
        let impostorServer = try CurveKeyPair.generate().publicKey
        let remote = try BusClient(
            endpoints: node.remoteEndpoints,
            sender: Self.remote,
            context: context,
            configuration: .init(security: .curve(serverKey: impostorServer, keyPair: clientKeys))
        )
        let local = try BusClient(endpoints: node.localEndpoints, sender: Self.local, context: context)

        try await withHangGuard {
            try await local.joined()
            // The local client proves the forwarder runs; the remote one cannot finish a handshake with a server
            // that is not the one it expects, so it is never admitted (a verdict on a counter, not a clock).
            await #expect(throws: BusError.self) { try await remote.joined(timeout: .seconds(2)) }
        }
        #expect(node.forwarder.admittedClients == 0)
        for client in [local, remote] { client.stop() }
        for client in [local, remote] { await client.stopped() }
        await node.stop()
    }

    @Test("an insecure tcp listener lets a plain client in")
    func insecureListener_letsAPlainClientIn() async throws {
        let node = try await CurveBus.start(insecure: true)
        let context = try ZMQContext.make()
        let remote = try BusClient(endpoints: node.remoteEndpoints, sender: Self.remote, context: context)
        let local = try BusClient(endpoints: node.localEndpoints, sender: Self.local, context: context)

        let received = try await withHangGuard {
            remote.subscribe(.chainTip)
            try await remote.joined()
            try await local.joined()
            local.publish(.chainTip, Self.tip)
            var iterator = remote.messages.makeAsyncIterator()
            return try #require(await iterator.next())
        }
        #expect(try received.decode(ChainTip.self) == Self.tip)
        for client in [local, remote] { client.stop() }
        for client in [local, remote] { await client.stopped() }
        await node.stop()
    }

    @Test("a listener address that is not tcp://HOST:PORT with room for PORT+1 is a typed error", arguments: [
        "ipc:///tmp/x", "tcp://host", "tcp://:7000", "tcp://host:0", "tcp://host:65535", "tcp://host:port",
    ])
    func badListenerAddress_isATypedError(address: String) {
        #expect(throws: BusEndpointError.self) { try BusTCPListener(bind: address, security: .insecure) }
    }

    static let tip = ChainTip(
        height: 7,
        hash: Hash256(bytes: [UInt8](repeating: 0x17, count: 32)) ?? .zero,
        parentHash: Hash256(bytes: [UInt8](repeating: 0x16, count: 32)) ?? .zero,
        certificateHash: Hash256(bytes: [UInt8](repeating: 0x15, count: 32)) ?? .zero
    )
}

/// A forwarder with local ipc endpoints and a tcp listener on loopback (CURVE unless insecure), on free ports.
private struct CurveBus {
    let directory: TemporaryDirectory
    let forwarder: BusForwarder
    let localEndpoints: BusEndpoints
    let remoteEndpoints: BusEndpoints
    let serverKeys: CurveKeyPair
    var authorizedDirectory: String { directory.path + "/authorized" }

    static func start(insecure: Bool = false) async throws -> CurveBus {
        let directory = try TemporaryDirectory()
        let serverKeys = try CurveKeyPair.generate()
        try FileManager.default.createDirectory(
            atPath: directory.path + "/authorized",
            withIntermediateDirectories: true
        )
        let localEndpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        var random = SplitMix64.printingSeed()
        // Two adjacent free ports: try random pairs until one binds (another test may hold a port).
        for _ in 0..<50 {
            let port = 20_000 + Int(random.next() % 40_000)
            let listener = try BusTCPListener(
                bind: "tcp://127.0.0.1:\(port)",
                security: insecure
                    ? .insecure : .curve(keyPair: serverKeys, authorizedKeysDirectory: directory.path + "/authorized")
            )
            do {
                let forwarder = try BusForwarder(endpoints: localEndpoints, configuration: .init(tcpListener: listener))
                return CurveBus(
                    directory: directory,
                    forwarder: forwarder,
                    localEndpoints: localEndpoints,
                    remoteEndpoints: try BusEndpoints(
                        publish: listener.publish,
                        subscribe: listener.subscribe,
                        control: "inproc://unused"
                    ),
                    serverKeys: serverKeys
                )
            } catch let error as ZMQError where error.code == .addressInUse {
                continue
            }
        }
        throw ZMQError(code: .addressInUse, operation: "bind two adjacent loopback ports")
    }

    func authorize(_ key: CurveKey, as name: String) throws {
        try "\(key.z85)\n".write(toFile: authorizedDirectory + "/" + name, atomically: true, encoding: .utf8)
    }

    func remoteClient(as sender: SenderID, keys: CurveKeyPair, context: ZMQContext) throws -> BusClient {
        try BusClient(
            endpoints: remoteEndpoints,
            sender: sender,
            context: context,
            configuration: .init(security: .curve(serverKey: serverKeys.publicKey, keyPair: keys))
        )
    }

    func stop() async {
        forwarder.stop()
        await forwarder.stopped()
    }
}
