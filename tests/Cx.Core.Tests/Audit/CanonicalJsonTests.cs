using System.Text;
using System.Text.Json;
using Cx.Core.Audit;

namespace Cx.Core.Tests.Audit;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json, string? omit = null)
    {
        using var document = JsonDocument.Parse(json);
        return Encoding.UTF8.GetString(CanonicalJson.Serialize(document.RootElement, omit));
    }

    [Theory]
    [InlineData("""{ "b" : 1, "a" : [ true, false, null ] }""", """{"a":[true,false,null],"b":1}""")]
    [InlineData("""{"é":1,"z":2,"Z":3,"a":{"y":1,"x":2}}""", """{"Z":3,"a":{"x":2,"y":1},"z":2,"é":1}""")]
    // By UTF-16 code units, as RFC 8785: U+1F30D (D83C DF0D) sorts before U+FFFF, unlike by code point.
    [InlineData("""{"\uffff":2,"\ud83c\udf0d":1}""", """{"🌍":1,"￿":2}""")]
    public void Should_sort_members_by_utf16_code_units_and_drop_whitespace(string json, string expected) =>
        Assert.Equal(expected, Canonical(json));

    [Theory]
    [InlineData("\"\\u00e9\\u0041\"", "\"éA\"")]
    [InlineData("\"a\\/b\"", "\"a/b\"")]
    [InlineData("\"q\\\"b\\\\s\"", "\"q\\\"b\\\\s\"")]
    [InlineData("\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\"\\u0001\\u001F\"", "\"\\u0001\\u001f\"")]
    [InlineData("\"<script>&'\"", "\"<script>&'\"")]
    [InlineData("\"\\u2028\"", "\"\u2028\"")]
    public void Should_escape_only_quote_backslash_and_control_characters(string json, string expected) =>
        Assert.Equal(expected, Canonical(json));

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1")]
    [InlineData("1e0", "1")]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "0")]
    [InlineData("100E-2", "1")]
    [InlineData("0.1", "0.1")]
    [InlineData("1.5e-7", "1.5e-07")]
    [InlineData("9007199254740991", "9007199254740991")]
    [InlineData("9007199254740993", "9007199254740992")]
    [InlineData("12345678901234567890", "1.2345678901234567e+19")]
    [InlineData("1e21", "1e+21")]
    [InlineData("-123.25", "-123.25")]
    public void Should_write_one_form_per_number(string json, string expected) => Assert.Equal(expected, Canonical(json));

    [Fact]
    public void Should_leave_out_only_the_named_top_level_member()
    {
        Assert.Equal("""{"a":{"hash":1}}""", Canonical("""{"hash":"x","a":{"hash":1}}""", "hash"));
    }

    [Fact]
    public void Should_give_the_same_bytes_for_the_same_content_written_differently()
    {
        Assert.Equal(
            Canonical("""{"name":"Grüße","n":2.50,"tags":["a"]}"""),
            Canonical("""{ "tags" : [ "a" ], "n" : 25e-1, "name" : "Gr\u00fc\u00dfe" }""")
        );
    }

    [Fact]
    public void Should_refuse_a_lone_surrogate()
    {
        using var document = JsonDocument.Parse("\"\\ud800\"");

        Assert.Throws<FormatException>(() => CanonicalJson.Serialize(document.RootElement));
    }
}
