using System.Text;
using Cx.Core.Common;
using Cx.Http;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Microsoft.AspNetCore.Http;

namespace Cx.Core.Tests.Http;

public sealed class RequestBodyTests
{
    private static readonly HttpOptions Options = new() { MaxBodyBytes = 1024, MaxJsonDepth = 4 };

    private static Task<System.Text.Json.Nodes.JsonObject> Read(
        string body,
        string? contentType = "application/json",
        bool patch = false,
        long? declaredLength = null
    )
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentType = contentType;
        context.Request.ContentLength = declaredLength ?? bytes.Length;
        return RequestBody.ReadObjectAsync(context.Request, Options, CancellationToken.None, patch);
    }

    [Fact]
    public async Task Should_read_a_json_object()
    {
        var body = await Read("""{"a":1}""", "application/json; charset=utf-8");
        Assert.Equal(1, body["a"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":1} trailing""")]
    [InlineData("""{"a":1 /* comment */}""")]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":1}}}}}""")]
    public async Task Should_reject_bodies_that_are_not_one_plain_json_object(string body) =>
        await Assert.ThrowsAsync<MalformedJsonException>(() => Read(body));

    [Fact]
    public async Task Should_say_where_the_json_breaks()
    {
        var error = await Assert.ThrowsAsync<MalformedJsonException>(() => Read("{\n  \"a\": tru\n}"));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=latin1")]
    public async Task Should_reject_other_media_types(string? contentType) =>
        await Assert.ThrowsAsync<UnsupportedMediaTypeException>(() => Read("{}", contentType));

    [Fact]
    public async Task Should_accept_merge_patch_only_where_patches_are_expected()
    {
        await Read("{}", "application/merge-patch+json", patch: true);
        await Assert.ThrowsAsync<UnsupportedMediaTypeException>(() => Read("{}", "application/merge-patch+json"));
    }

    [Fact]
    public async Task Should_reject_bodies_over_the_limit_whether_declared_or_streamed()
    {
        var large = "{\"a\":\"" + new string('x', 2000) + "\"}";
        await Assert.ThrowsAsync<PayloadTooLargeException>(() => Read(large));
        await Assert.ThrowsAsync<PayloadTooLargeException>(() => Read(large, declaredLength: 10));
    }

    [Theory]
    [InlineData("""{"a":[{"b":"x"},{"b":"\ud800"}]}""", "/a/1/b")]
    [InlineData("""{"a":{"x~y/z":"\udfff tail"}}""", "/a/x~0y~1z")]
    [InlineData("""{"a":{"\ud800":1}}""", "/a")]
    [InlineData("""["ok","\uD83D"]""", "/1")]
    public void Should_point_at_a_string_holding_an_escaped_lone_surrogate(string json, string pointer)
    {
        var error = Assert.Throws<MalformedJsonException>(() => RequestBody.ParseDocument(Encoding.UTF8.GetBytes(json), 8));

        Assert.Equal((pointer, "invalid-string"), (error.Errors[0].Path, error.Errors[0].Code));
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_point_at_a_string_holding_bytes_that_are_not_utf8()
    {
        byte[] json = [.. "{\"a\":{\"b\":\"x"u8, 0xFF, .. "\"}}"u8];

        var error = Assert.Throws<MalformedJsonException>(() => RequestBody.Parse(json, 8));

        Assert.Equal(("/a/b", "invalid-string"), (error.Errors[0].Path, error.Errors[0].Code));
    }

    [Fact]
    public void Should_accept_escaped_surrogate_pairs_and_escapes_that_only_look_like_surrogates()
    {
        var body = RequestBody.Parse("""{"emoji":"\ud83d\ude00","text":"\\ud800"}"""u8, 8);

        Assert.Equal(("\U0001F600", "\\ud800"), (body["emoji"]!.GetValue<string>(), body["text"]!.GetValue<string>()));
    }
}
