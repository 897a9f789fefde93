import Foundation
import Testing
import BloomCore

/// Finds and loads the reference's test vectors.
///
/// The directory is `$BLOOM_VECTORS`, or `../shared/vectors` relative to the package root. When the variable is
/// set, a missing directory or file is a test failure, never a silent skip.
enum Vectors {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // BloomVectorTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["BLOOM_VECTORS"], !env.isEmpty {
            return URL(fileURLWithPath: env, relativeTo: packageRoot).standardizedFileURL
        }
        return packageRoot.appendingPathComponent("../shared/vectors").standardizedFileURL
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "vector file missing: \(path) (BLOOM_VECTORS or ../shared/vectors)" }
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Every `*.json` file of the vectors directory, by name.
    static func allFileNames() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Loads `name` (e.g. `"headers.json"`) as a JSON object; throws if the file is missing or not an object.
    static func load(_ name: String) throws -> JSON {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        let data = try Data(contentsOf: url)
        let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return JSON(value, path: name)
    }
}

/// A thin, throwing view over `JSONSerialization` output, so a schema surprise is a clear test failure
/// (with the JSON path) rather than a crash.
struct JSON: @unchecked Sendable, CustomStringConvertible {
    let value: Any
    let path: String

    init(_ value: Any, path: String) {
        self.value = value
        self.path = path
    }

    var description: String { "\(path) = \(String(describing: value).prefix(200))" }

    subscript(key: String) -> JSON {
        get throws {
            guard let object = value as? [String: Any] else { throw Vectors.Malformed(description: "\(path) is not an object") }
            guard let child = object[key] else { throw Vectors.Malformed(description: "\(path).\(key) missing") }
            return JSON(child, path: "\(path).\(key)")
        }
    }

    /// The child, or nil when the key is absent or JSON null.
    func optional(_ key: String) -> JSON? {
        guard let object = value as? [String: Any], let child = object[key], !(child is NSNull) else { return nil }
        return JSON(child, path: "\(path).\(key)")
    }

    var isNull: Bool { value is NSNull }

    var keys: [String] {
        get throws {
            guard let object = value as? [String: Any] else { throw Vectors.Malformed(description: "\(path) is not an object") }
            return object.keys.sorted()
        }
    }

    var array: [JSON] {
        get throws {
            guard let list = value as? [Any] else { throw Vectors.Malformed(description: "\(path) is not an array") }
            return list.enumerated().map { JSON($1, path: "\(path)[\($0)]") }
        }
    }

    var string: String {
        get throws {
            guard let s = value as? String else { throw Vectors.Malformed(description: "\(path) is not a string") }
            return s
        }
    }

    var bool: Bool {
        get throws {
            guard let b = value as? Bool else { throw Vectors.Malformed(description: "\(path) is not a boolean") }
            return b
        }
    }

    /// An integer; accepts JSON integers and integral floats (`2919628794.0`).
    var int: Int {
        get throws {
            if let n = value as? NSNumber {
                let d = n.doubleValue
                if d == d.rounded(), abs(d) < 9.0e15 { return Int(d) }
                if let i = value as? Int { return i }
            }
            throw Vectors.Malformed(description: "\(path) is not an integer")
        }
    }

    var uint64: UInt64 {
        get throws {
            if let n = value as? NSNumber { return n.uint64Value }
            if let s = value as? String, let v = UInt64(s) { return v }
            throw Vectors.Malformed(description: "\(path) is not an unsigned integer")
        }
    }

    /// A JSON number, or the strings `"NaN"`, `"Infinity"`, `"-Infinity"` used for non-finite values.
    var double: Double {
        get throws {
            if let n = value as? NSNumber { return n.doubleValue }
            switch value as? String {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: throw Vectors.Malformed(description: "\(path) is not a number")
            }
        }
    }

    /// Lowercase hex bytes.
    var bytes: [UInt8] {
        get throws {
            guard let b = [UInt8](hex: try string) else { throw Vectors.Malformed(description: "\(path) is not hex") }
            return b
        }
    }

    /// An f64 written as 16 hex digits of its big-endian bit pattern.
    var f64FromHex: Double {
        get throws {
            let s = try string
            guard s.count == 16, let bits = UInt64(s, radix: 16) else {
                throw Vectors.Malformed(description: "\(path) is not an f64 bit pattern")
            }
            return Double(bitPattern: bits)
        }
    }

    /// An integer written as `"0x1d00ffff"` or as a plain number.
    var hexOrInt: UInt64 {
        get throws {
            if let s = value as? String {
                let digits = s.hasPrefix("0x") ? String(s.dropFirst(2)) : s
                guard let v = UInt64(digits, radix: 16) else { throw Vectors.Malformed(description: "\(path) is not hex") }
                return v
            }
            return try uint64
        }
    }
}
