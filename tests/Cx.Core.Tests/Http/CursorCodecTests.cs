using System.Buffers.Text;
using System.Text;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Cx.Http.Paging;

namespace Cx.Core.Tests.Http;

public sealed class CursorCodecTests
{
    private static readonly string Fingerprint = CursorCodec.Fingerprint("customer", ["sort=-lastLogin"]);

    [Fact]
    public void Should_round_trip_every_kind_of_sort_value()
    {
        var keyset = new Keyset(
            [ScalarValue.From("2026-11-25T00:00:00.000Z"), ScalarValue.From(42.5), ScalarValue.From(true), ScalarValue.Null],
            "01abc"
        );
        var decoded = CursorCodec.Decode(CursorCodec.Encode(keyset, Fingerprint), Fingerprint);
        Assert.Equal(keyset.Values, decoded.Values);
        Assert.Equal("01abc", decoded.Id);
    }

    [Fact]
    public void Should_reject_a_cursor_from_another_query()
    {
        var cursor = CursorCodec.Encode(new Keyset([], "a"), Fingerprint);
        var error = Assert.Throws<ValidationException>(() =>
            CursorCodec.Decode(cursor, CursorCodec.Fingerprint("customer", ["sort=email"]))
        );
        Assert.Equal(
            ("cursor", "invalid-cursor", ErrorLocation.Query),
            (error.Errors[0].Path, error.Errors[0].Code, error.Errors[0].Location)
        );
    }

    [Theory]
    [InlineData("not base64 !!")]
    [InlineData("e30")]
    [InlineData("")]
    public void Should_reject_garbage(string cursor) => Assert.Throws<ValidationException>(() => CursorCodec.Decode(cursor, Fingerprint));

    [Theory]
    [InlineData("""{"v":2,"q":"Q","k":[],"i":"a"}""")]
    [InlineData("""{"v":1,"q":"Q","k":[{}],"i":"a"}""")]
    [InlineData("""{"v":1,"q":"Q","k":[],"i":"bad id"}""")]
    [InlineData("""{"v":1,"q":"Q","k":"x","i":"a"}""")]
    [InlineData("""[1,2]""")]
    public void Should_reject_tampered_cursors(string json)
    {
        var cursor = Base64Url.EncodeToString(
            Encoding.UTF8.GetBytes(json.Replace("\"Q\"", "\"" + Fingerprint + "\"", StringComparison.Ordinal))
        );
        Assert.Throws<ValidationException>(() => CursorCodec.Decode(cursor, Fingerprint));
    }

    [Fact]
    public void Should_reject_very_long_cursors() =>
        Assert.Throws<ValidationException>(() => CursorCodec.Decode(new string('A', 5000), Fingerprint));
}
