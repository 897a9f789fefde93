import BloomTestSupport
import Testing

@testable import BloomServiceKit

/// The node's TOML 1.0 parser: what the spec accepts is read with its values and lines; what it refuses is a
/// syntax error with line and column; and no input crashes it.
@Suite struct TOMLParserTests {
    private func parse(_ text: String) throws -> TOMLFile { try TOMLFile(parsing: text, path: "t.toml") }

    private func value(_ text: String, _ key: String = "v") throws -> TOMLFile.Value? {
        try parse(text)[key.split(separator: ".").map(String.init)]?.value
    }

    private func syntaxError(_ text: String) -> ConfigurationError? {
        do {
            _ = try TOMLFile(parsing: text, path: "t.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        // (document, expected string)
        (#"v = "a\tb\n\"q\" \\ \u00e9 \U0001F600""#, "a\tb\n\"q\" \\ é 😀"),
        ("v = 'C:\\path\\no escapes'", "C:\\path\\no escapes"),
        ("v = \"\"\"\nline 1\nline 2\"\"\"", "line 1\nline 2"),
        ("v = \"\"\"one \\\n     two\"\"\"", "one two"),
        ("v = \"\"\"quotes \"\" inside\"\"\"\"", "quotes \"\" inside\""),
        ("v = '''\nraw \\n\n'''", "raw \\n\n"),
        ("v = ''''two''''", "'two'"),
        ("v = \"\"", ""),
    ])
    func strings_areReadWithEscapesAndMultiLineRules(document: String, expected: String) throws {
        #expect(try value(document) == .string(expected))
    }

    @Test(arguments: [
        ("v = 42", TOMLFile.Value.integer(42)),
        ("v = +1_000", .integer(1000)),
        ("v = -0", .integer(0)),
        ("v = 0xDEAD_beef", .integer(0xDEAD_BEEF)),
        ("v = 0o755", .integer(0o755)),
        ("v = 0b1101", .integer(13)),
        ("v = -9223372036854775808", .integer(Int.min)),
        ("v = 3.25", .float(3.25)),
        ("v = -1e-3", .float(-0.001)),
        ("v = 6.626E+34", .float(6.626e34)),
        ("v = 1e05", .float(1e5)),
        ("v = -inf", .float(-.infinity)),
        ("v = true", .boolean(true)),
        ("v = 1979-05-27T07:32:00.999-07:00", .dateTime("1979-05-27T07:32:00.999-07:00")),
        ("v = 1979-05-27 07:32:00Z", .dateTime("1979-05-27 07:32:00Z")),
        ("v = 2024-02-29", .dateTime("2024-02-29")),
        ("v = 07:32:00", .dateTime("07:32:00")),
        ("v = [1, 'a', [true], ]", .array([.integer(1), .string("a"), .array([.boolean(true)])])),
        ("v = [\n  1, # one\n  2\n]", .array([.integer(1), .integer(2)])),
        ("v = []", .array([])),
        ("v = [{ a = 1 }]", .array([.table])),
    ])
    func scalarsAndArrays_haveTheirTOMLValue(document: String, expected: TOMLFile.Value) throws {
        #expect(try value(document) == expected)
    }

    @Test func nan_isAFloat() throws {
        guard case .float(let number)? = try value("v = -nan") else { Issue.record("not a float"); return }
        #expect(number.isNaN)
    }

    /// What made the random test below fail once: a document with `nan` is not == to itself, so it compares text.
    @Test func aDocumentWithNaN_parsesToTheSameTextTwice() throws {
        #expect(try "\(parse("a=nan"))" == "\(parse("a=nan"))")
    }

    @Test func tablesDottedKeysInlineTablesAndArraysOfTables_flattenToKeyPathsWithLines() throws {
        let file = try parse(
            """
            top = 1
            a.b = "dotted"          # line 2
            "quoted key".x = 2
            [t]
            inline = { p = 1, q.r = 2 }
            [t.u.v]
            w = 3
            [a.c]                    # a sub-table of a table made by dotted keys
            [[arr]]
            n = 1
            [[arr]]
            n = 2
            [arr.sub]
            """
        )
        #expect(file[["top"]]?.line == 1)
        #expect(file[["a", "b"]]?.value == .string("dotted"))
        #expect(file[["quoted key", "x"]]?.value == .integer(2))
        #expect(file[["t", "inline", "p"]]?.line == 5)
        #expect(file[["t", "inline", "q", "r"]]?.value == .integer(2))
        #expect(file[["t", "u", "v", "w"]]?.line == 7)
        #expect(file[["a", "c"]]?.value == .table)  // an empty table is an entry
        #expect(file[["arr"]]?.value == .array([.table, .table]))
        #expect(file.line(of: ["t", "u"]) == 6)
        #expect(file.line(of: ["arr", "n"]) == 10)
        #expect(file.line(of: ["t", "inline", "q", "r"]) == 5)  // nearest key with a line
        #expect(file.line(of: ["nothing"]) == 0)
        #expect(file.entries.map(\.line) == file.entries.map(\.line).sorted())
    }

    @Test func keyLines_skipStringsAndFollowTables() throws {
        let file = try parse(
            """
            a = "x = 1"   # not a key
            b = '''
            c = 2
            '''
            [t.u]
            d.e = [ { f = 1 },
              { g = 2 } ]
            [[arr]]
            h = 3
            """
        )
        #expect(file.line(of: ["a"]) == 1)
        #expect(file.line(of: ["b"]) == 2)
        #expect(file.line(of: ["c"]) == 0)
        #expect(file.line(of: ["t", "u"]) == 5)
        #expect(file.line(of: ["t", "u", "d", "e"]) == 6)
        #expect(file.line(of: ["t", "u", "d", "e", "g"]) == 6)
        #expect(file.line(of: ["arr", "h"]) == 9)
    }

    @Test(arguments: [
        // (document, line of the error, reason fragment)
        ("[@@", 1, "expected a key"),  // aborted toml++ (Scripts/fuzz config)
        ("a = 1\na = 2", 2, "already defined (line 1)"),
        ("[t]\n[t]", 2, "table 't' is already defined"),
        ("a.b = 1\n[a]", 2, "already defined"),
        ("[a.b.c]\n[a]\nb.c.d = 1", 3, "already defined"),
        ("[[a]]\n[a]", 2, "already defined"),
        ("a = [1]\n[[a]]", 2, "no array of tables"),
        ("a = { b = 1 }\n[a.c]", 2, "cannot extend"),
        ("a = { b = 1 }\na.c = 2", 2, "already defined"),
        ("v = { a = 1, }", 1, "expected a key"),
        ("v = { a = 1\n}", 1, "expected ',' or '}'"),
        ("v = \"open\n", 1, "newline in a string"),
        ("v = \"\\x\"", 1, "unknown escape"),
        ("v = \"\\uD800\"", 1, "no Unicode scalar"),
        ("v = \"a\u{01}\"", 1, "control character"),
        ("v = 1 # bell \u{07}", 1, "control character"),
        ("v = 01", 1, "is no TOML value"),
        ("v = 1__0", 1, "is no TOML value"),
        ("v = 1.", 1, "is no TOML value"),
        ("v = 9223372036854775808", 1, "is no TOML value"),
        ("v = 1e400", 1, "is no TOML value"),
        ("v = 2023-02-29", 1, "is no TOML value"),
        ("v = 24:00:00", 1, "is no TOML value"),
        ("v = 1979-05-27T07:32", 1, "is no TOML value"),
        ("v = True", 1, "is no TOML value"),
        ("v = 1 2", 1, "expected the end of the line"),
        ("v =", 1, "expected a value"),
        ("= 1", 1, "expected a key"),
        ("[a]]", 1, "expected the end of the line"),
        ("[[a]", 1, "expected ']]'"),
        ("a\n= 1", 1, "expected '='"),
        ("v = [1 2]", 1, "expected ',' or ']'"),
        ("x = 1\r", 1, "expected the end of the line"),
    ])
    func invalidDocuments_areSyntaxErrorsWithLineAndColumn(document: String, line: Int, fragment: String) {
        guard let error = syntaxError(document) else {
            Issue.record("accepted: \(document.debugDescription)")
            return
        }
        #expect(error.field == "syntax")
        #expect(error.origin == .file(path: "t.toml", line: line), "\(error)")
        #expect(error.reason.contains(fragment), "\(error.reason)")
        #expect(error.reason.contains("(column "), "\(error.reason)")
    }

    @Test func deepNesting_isRefusedInsteadOfExhaustingTheStack() {
        let deep = "v = " + String(repeating: "[", count: 100_000)
        #expect(syntaxError(deep)?.reason.contains("nested deeper than") == true)
        let deepInline = "v = " + String(repeating: "{ a = ", count: 100_000)
        #expect(syntaxError(deepInline)?.reason.contains("nested deeper than") == true)
        let allowed = "v = " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(syntaxError(allowed) == nil)
        let longKey = Array(repeating: "k", count: 65).joined(separator: ".") + " = 1"
        #expect(syntaxError(longKey)?.reason.contains("more than 64 dotted parts") == true)
        #expect(syntaxError("[" + Array(repeating: "k", count: 65).joined(separator: ".") + "]") != nil)
        #expect(syntaxError(Array(repeating: "k", count: 64).joined(separator: ".") + " = 1") == nil)
    }

    @Test func crlfLineEndings_areNewlines() throws {
        let file = try parse("a = 1\r\n[t]\r\nb = '''x\r\ny'''\r\n")
        #expect(file[["t", "b"]]?.value == .string("x\r\ny"))
        #expect(file[["t", "b"]]?.line == 3)
    }

    /// Random documents built from TOML's own pieces (and random bytes) end in a document or a syntax error,
    /// and a document parses the same twice.
    @Test func randomDocuments_endInADocumentOrAnError() throws {
        var random = SplitMix64.printingSeed()
        let pieces = [
            "[", "]", "[[", "]]", "{", "}", "=", ".", ",", "\"", "'", "\"\"\"", "'''", "\\", "\\u", "#", "\n", "\r\n",
            " ", "\t", "a", "b", "1", "0x", "_", "e", "+", "-", ":", "T", "Z", "inf", "nan", "true", "1979-05-27",
            "07:32:00", "\u{00e9}", "\u{0}", "\u{7f}",
        ]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(random.next() % 24) {
                text += pieces[Int(random.next() % UInt64(pieces.count))]
            }
            if let file = try? parse(text) {
                // Compared as text: a `nan` value is never == itself.
                #expect(try "\(parse(text))" == "\(file)", "\(text.debugDescription)")
            }
        }
    }
}
