import ArgumentParser
import BloomServiceKit
import Foundation

extension Bloom {
    /// Options that take a value, for `movingLeadingOptions`. ArgumentParser's `--generate-completion-script SHELL`
    /// is one: its shell must not be taken for a subcommand.
    static let valueOptions: Set<String> = [
        "--data-dir", "--config", "--control", "--timeout", "--generate-completion-script",
    ]

    /// `bloom --data-dir DIR status` is the documented form, but ArgumentParser reads a subcommand's options after
    /// its name: options written before the subcommand are moved after it (after `tx submit` for that pair).
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            leading.append(arguments[index])
            if valueOptions.contains(arguments[index]), index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        let rest = Array(arguments[index...])
        guard !leading.isEmpty, !rest.isEmpty else { return arguments }
        let path = rest.count > 1 && rest[0] == "tx" && !rest[1].hasPrefix("-") ? 2 : 1
        return Array(rest[..<path]) + leading + Array(rest[path...])
    }

    /// Parses `arguments`, runs the command and returns the exit code of DESIGN.md: 0 success, 1 failure,
    /// 2 usage error, 3 no node. Messages go to stderr, results to stdout.
    public static func execute(_ arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(movingLeadingOptions(arguments))
            try command.run()
            return ExitCode.success
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("bloom: \(error)\n".utf8))
            return error.exitCode
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)  // --help
                return ExitCode.success
            }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            // ArgumentParser's own errors are all about the command line: usage errors.
            return ExitCode.usage
        }
    }
}
