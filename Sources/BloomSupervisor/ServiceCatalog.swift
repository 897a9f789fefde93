import Foundation

/// The set of services the supervisor runs, in stop order (net, gossip, sync with the built-in definitions).
public struct ServiceCatalog: Equatable, Sendable {
    /// Definitions sorted by stop order, then name.
    public var definitions: [ServiceDefinition]

    /// Creates a catalog, sorting by stop order then name.
    /// - Throws: when two definitions share a name.
    public init(definitions: [ServiceDefinition], files: [String]) throws(ServiceDefinitionError) {
        var seen: [String: String] = [:]
        for (definition, file) in zip(definitions, files) {
            if let first = seen[definition.name] {
                throw ServiceDefinitionError(
                    file: file,
                    line: 0,
                    field: "[service] name",
                    reason: "'\(definition.name)' is already defined in \(first)"
                )
            }
            seen[definition.name] = file
        }
        self.definitions = definitions.sorted { ($0.stopOrder, $0.name) < ($1.stopOrder, $1.name) }
    }

    /// The catalog of only the services in `names` (`--services`), each given in full (`bloom-net`) or short
    /// (`net`); an empty list keeps every service.
    /// - Throws: ``SupervisorError/unknownService(_:known:)`` for a name that is not defined.
    public func restricted(to names: [String]) throws(SupervisorError) -> ServiceCatalog {
        guard !names.isEmpty else { return self }
        var kept: Set<String> = []
        for name in names {
            guard let definition = definitions.first(where: { $0.name == name || $0.name == "bloom-" + name }) else {
                throw .unknownService(name, known: definitions.map(\.name))
            }
            kept.insert(definition.name)
        }
        var restricted = self
        restricted.definitions = definitions.filter { kept.contains($0.name) }
        return restricted
    }

    /// The built-in copy of `Services/`.
    public static func builtin() throws(ServiceDefinitionError) -> ServiceCatalog {
        var definitions: [ServiceDefinition] = []
        for file in BuiltinServices.files {
            definitions.append(try ServiceDefinition(parsing: file.text, file: "built-in \(file.name)"))
        }
        return try ServiceCatalog(definitions: definitions, files: BuiltinServices.files.map { "built-in \($0.name)" })
    }

    /// Where an installed node keeps its definitions, relative to the directory of bloom-supervisor:
    /// `PREFIX/bin/bloom-supervisor` reads `PREFIX/share/bloom/services` (what `Scripts/install` and the Debian
    /// package put there).
    public static let installedRelativePath = "share/bloom/services"

    /// The installed definitions for a bloom-supervisor in `binaryDirectory`, when that directory exists.
    /// - Parameter binaryDirectory: the directory of the bloom-supervisor executable (`PREFIX/bin`).
    /// - Returns: `PREFIX/share/bloom/services`, or `nil` (a build tree: the built-in copy applies).
    public static func installedDirectory(binaryDirectory: String) -> String? {
        let prefix = (binaryDirectory as NSString).deletingLastPathComponent
        let directory = (prefix as NSString).appendingPathComponent(installedRelativePath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return directory
    }

    /// The definitions a supervisor runs: `--services-dir` when given, else the installed ones of its prefix
    /// (``installedDirectory(binaryDirectory:)``), else the built-in copy.
    /// - Parameters:
    ///   - servicesDirectory: the `--services-dir` setting.
    ///   - binaryDirectory: the directory of the bloom-supervisor executable.
    /// - Returns: the catalog and where it came from (a directory, or `built-in`), for the log.
    public static func resolve(
        servicesDirectory: String?,
        binaryDirectory: String
    ) throws(ServiceDefinitionError) -> (catalog: ServiceCatalog, source: String) {
        guard let directory = servicesDirectory ?? installedDirectory(binaryDirectory: binaryDirectory) else {
            return (try builtin(), "built-in")
        }
        return (try load(directory: directory), directory)
    }

    /// Every `*.toml` file of `directory`, in name order. Relative `command`s are resolved against it.
    public static func load(directory: String) throws(ServiceDefinitionError) -> ServiceCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }
                .sorted()
        } catch {
            throw ServiceDefinitionError(
                file: directory,
                line: 0,
                field: "services-dir",
                reason: "cannot list: \(error)"
            )
        }
        if names.isEmpty {
            throw ServiceDefinitionError(
                file: directory,
                line: 0,
                field: "services-dir",
                reason: "holds no *.toml definition"
            )
        }
        var definitions: [ServiceDefinition] = []
        var files: [String] = []
        for name in names {
            let path = directory + "/" + name
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ServiceDefinitionError(file: path, line: 0, field: "file", reason: "cannot read: \(error)")
            }
            var definition = try ServiceDefinition(parsing: text, file: path)
            if let command = definition.command, !command.hasPrefix("/") {
                definition.command = directory + "/" + command
            }
            definitions.append(definition)
            files.append(path)
        }
        return try ServiceCatalog(definitions: definitions, files: files)
    }

    /// The definition for a full (`bloom-net`) or short (`net`) name.
    public func definition(named name: String) -> ServiceDefinition? {
        definitions.first { $0.name == name || $0.shortName == name }
    }
}
