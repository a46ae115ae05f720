using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

/// <summary>A DevHost with an 16 KB body limit.</summary>
public sealed class FormBodyDevHost : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Http:MaxBodyBytes"] = "16384" };
}

/// <summary>
/// Form bodies of the token endpoints are read with the same limits as JSON bodies: a chunked
/// body (no Content-Length) over Cx:Http:MaxBodyBytes is a 413, and a form that cannot be read
/// is a 4xx problem, never a 500.
/// </summary>
public sealed class FormBodyTests(FormBodyDevHost host) : IClassFixture<FormBodyDevHost>
{
    private readonly HttpClient _client = host.CreateRawClient();

    /// <summary>A body sent chunked: a stream of unknown length, so no Content-Length header.</summary>
    private static HttpContent Chunked(string body, string mediaType)
    {
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    [Fact]
    public async Task Should_refuse_a_chunked_form_larger_than_the_body_limit_with_413()
    {
        var body = "grant_type=password&password=x&username=" + new string('a', 20_000);

        var response = await _client.PostAsync("auth/token", Chunked(body, "application/x-www-form-urlencoded"));

        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task Should_refuse_a_chunked_revocation_larger_than_the_body_limit_with_413()
    {
        var response = await _client.PostAsync(
            "auth/revoke",
            Chunked("token=" + new string('a', 20_000), "application/x-www-form-urlencoded")
        );

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Theory]
    [InlineData("multipart/form-data", "grant_type=password")]
    [InlineData("multipart/form-data; boundary=xyz", "not a multipart body")]
    [InlineData("application/x-www-form-urlencoded; charset=iso-8859-1", "grant_type=password")]
    public async Task Should_answer_a_form_it_cannot_read_with_415(string mediaType, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);

        var response = await _client.PostAsync("auth/token", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Theory]
    [InlineData(3000, 1)]
    [InlineData(2, 1100)]
    public async Task Should_answer_a_form_with_long_names_or_many_fields_with_a_problem_not_a_500(int nameLength, int fields)
    {
        var body = string.Join("&", Enumerable.Range(0, fields).Select(i => new string('k', nameLength) + i + "=1"));
        var content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded");

        var response = await _client.PostAsync("auth/token", content);

        Assert.True(body.Length < 16384);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/grant_type", "unsupported-grant-type"), problem.Errors());
    }

    /// <summary>A readable stream that does not report its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
