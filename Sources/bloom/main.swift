import BloomCLI
import Foundation

exit(Bloom.execute(Array(CommandLine.arguments.dropFirst())))
