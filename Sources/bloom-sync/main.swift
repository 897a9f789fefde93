import BloomBus
import BloomServiceKit
import BloomSync
import Foundation

// bloom-sync: the chain store, validation, mempool and chain download (DESIGN.md). `--load-blocks FILE` imports a
// block file into the data directory's store instead of running the service.
let arguments = Array(CommandLine.arguments.dropFirst())
if CommandLineFlags.wantsVersion(arguments) {
    print(BloomVersion.line(program: "bloom-sync"))
    exit(ExitCode.success)
}
if arguments.contains("--load-blocks") {
    exit(LoadBlocksCommand.run(arguments: arguments, environment: ProcessInfo.processInfo.environment))
}

await ServiceRunner.main(service: "bloom-sync") { context in
    let service = try SyncServiceFactory.make(context: context)
    context.link.onQuery { query in await service.answer(query.cmd, args: query.args) }
    return [service]
}
