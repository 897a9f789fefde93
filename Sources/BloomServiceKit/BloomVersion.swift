import CBloomSys

/// The node's version: the one place it is written, shown by every binary's `--version`.
public enum BloomVersion {
    /// The release number, semantic versioning.
    public static let number = "0.2.0"

    /// The git revision the binary was built from (`3c0cd31`, `3c0cd31-dirty` for a modified checkout), or `nil`
    /// when the build did not record one: `Scripts/install` does (`Scripts/revision`), a plain
    /// `swift build` does not, so a revision is never a stale one.
    public static let revision: String? = {
        // Safe: bloom_git_revision returns a static, NUL-terminated string literal.
        let text = String(cString: bloom_git_revision())
        return text.isEmpty ? nil : text
    }()

    /// The `--version` line: `bloom-net 0.2.0 (git 3c0cd31)`, or `bloom-net 0.2.0` without a revision.
    /// - Parameters:
    ///   - program: the binary's name.
    ///   - revision: the git revision (default: this binary's).
    public static func line(program: String, revision: String? = BloomVersion.revision) -> String {
        guard let revision else { return "\(program) \(number)" }
        return "\(program) \(number) (git \(revision))"
    }
}
