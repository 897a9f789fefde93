import BloomSync
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
exit(LoadBlocksCommand.run(arguments: arguments, environment: ProcessInfo.processInfo.environment))
