using System.Text;
using Cx.Core.Common;
using Cx.Http.Requests;

namespace Cx.Core.Tests.Http;

public sealed class RequestFormTests
{
    [Fact]
    public void Should_decode_plus_and_percent_escapes_and_keep_malformed_escapes_as_written()
    {
        var form = RequestForm.Parse("grant_type=password&username=ana%40example.com&password=a+b%2Bc&odd=100%&bad=%zz&&flag"u8);

        Assert.Equal("ana@example.com", form["username"]);
        Assert.Equal("a b+c", form["password"]);
        Assert.Equal(("100%", "%zz", ""), (form["odd"], form["bad"], form["flag"]));
        Assert.Equal(6, form.Count);
    }

    [Fact]
    public void Should_decode_utf8_text()
    {
        var form = RequestForm.Parse(Encoding.UTF8.GetBytes("name=Jos%C3%A9&city=Z\u00fcrich"));

        Assert.Equal(("José", "Zürich"), (form["name"], form["city"]));
    }

    [Theory]
    [InlineData("username=%FF", "/username")]
    [InlineData("username=%ED%A0%80", "/username")]
    [InlineData("token=%C0%80", "/token")]
    [InlineData("%FF=1", "")]
    public void Should_name_a_field_that_is_not_utf8(string body, string pointer)
    {
        var error = Assert.Throws<ValidationException>(() => RequestForm.Parse(Encoding.ASCII.GetBytes(body)));

        Assert.Equal((pointer, "encoding"), (error.Errors[0].Path, error.Errors[0].Code));
    }

    [Fact]
    public void Should_name_a_field_of_raw_bytes_that_are_not_utf8()
    {
        byte[] body = [.. "a=1&username="u8, 0xFF, 0xFE];

        var error = Assert.Throws<ValidationException>(() => RequestForm.Parse(body));

        Assert.Equal(("/username", "encoding"), (error.Errors[0].Path, error.Errors[0].Code));
    }

    [Fact]
    public void Should_refuse_a_field_given_twice()
    {
        var error = Assert.Throws<ValidationException>(() => RequestForm.Parse("token=a&token=b"u8));

        Assert.Equal(("/token", "repeated"), (error.Errors[0].Path, error.Errors[0].Code));
    }
}
