import BloomTestSupport
import Testing

@testable import BloomServiceKit

@Suite(.dedicatedThread) struct TOMLTests {
    @Test func parse_whenEveryValueTypeAndTablesArePresent_readsThemWithLines() throws {
        let text = """
            # a comment
            name = "bloom \\"net\\"\\u00e9" # trailing comment
            count = 1_000
            weight = -0.25
            on = true
            peers = ["a:1", 'b:2', ]

            [restart]
            policy = 'always'
            """
        let document = try TOMLDocument(parsing: text, file: "x.toml")
        #expect(document.root["name"]?.value == .string("bloom \"net\"é"))
        #expect(document.root["name"]?.line == 2)
        #expect(document.root["count"]?.value == .integer(1000))
        #expect(document.root["weight"]?.value == .float(-0.25))
        #expect(document.root["on"]?.value == .boolean(true))
        #expect(document.root["peers"]?.value == .stringArray(["a:1", "b:2"]))
        #expect(document.table("restart")?["policy"]?.value == .string("always"))
        #expect(document.table("restart")?.line == 8)
    }

    @Test(arguments: [
        ("a = \"open", 1, "not closed"),
        ("a = 1\na = 2", 2, "set twice"),
        ("a.b = 1", 1, "dotted"),
        ("a = yes", 1, "not a string, number"),
        ("a = [1, 2]", 1, "only strings"),
        ("a = [\"x\",\n\"y\"]", 1, "one line"),
        ("[t]\n[t]", 2, "defined twice"),
        ("[t\nx = 1", 1, "not closed"),
        ("x = 1 2", 1, "unexpected text"),
        ("= 3", 1, "expected a key"),
        ("x = \"\\q\"", 1, "unknown escape"),
        ("x = 1__0", 1, "not a string, number"),
    ])
    func parse_whenLineIsMalformed_reportsLineAndReason(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLDocument(parsing: text, file: "bad.toml")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.file == "bad.toml")
            #expect(error.line == line)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}
