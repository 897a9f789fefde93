import ArgumentParser
import BloomBus
import BloomServiceKit

/// `bloom keygen [--out DIR] [--force]`: makes this node's CURVE key pair for the bus. Works without a running node.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the node's bus key pair (CURVE): <dir>/bus.key (secret, 0600) and <dir>/bus.pub.",
        discussion: """
            DIR defaults to <data-dir>/keys. Give bus.pub to the supervisor whose bus this node joins: that host \
            puts it in a file under its <data-dir>/keys/authorized/. An existing key is kept unless --force.
            """
    )
    @OptionGroup var node: NodeOptions
    @Option(name: .customLong("out"), help: "Where to write the keys (default: <data-dir>/keys).") var out: String?
    @Flag(name: .customLong("force"), help: "Replace an existing key pair.") var force = false

    func run() throws {
        let directory = try out ?? BusKeys.directory(dataDirectory: node.configuration().dataDirectory)
        do {
            let pair = try CurveKeyPair.generate()
            try BusKeys.write(pair, to: directory, overwrite: force)
            let secret = BusKeys.secretKeyFile(in: directory)
            let publicFile = BusKeys.publicKeyFile(in: directory)
            if node.json {
                let result = JSONValue.object([
                    "publicKey": .string(pair.publicKey.z85),
                    "secretKeyFile": .string(secret),
                    "publicKeyFile": .string(publicFile),
                ])
                print(result.encoded(pretty: true))
            } else {
                print("public key  \(pair.publicKey.z85)")
                print("secret key  \(secret) (mode 0600)")
                print("public file \(publicFile)")
            }
        } catch {
            throw CLIError.commandFailed("\(error)")
        }
    }
}
