using Cx.Core.Events;

namespace Cx.Core.Tests.Events;

public sealed class EventCodecTests
{
    private static TrackedEvent Sample(string id = "e-1", string? customer = "c1", string? anonymous = null) =>
        new()
        {
            Id = id,
            Type = "purchase",
            CustomerId = customer,
            AnonymousId = anonymous,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123),
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_456),
            Page = "/p/ü",
            Custom = true,
            Properties = """{"amount":1.50,"nested":{"a":[1,2]}}"""u8.ToArray(),
        };

    [Fact]
    public void Should_round_trip_events_through_ndjson()
    {
        using var lines = EventCodec.EncodeLines([Sample(), Sample("e-2", null, "anon-1")]);
        var decoded = new List<TrackedEvent>();
        EventCodec.DecodeLines(lines.WrittenSpan, decoded);
        Assert.Equal(2, decoded.Count);
        var first = decoded[0];
        Assert.Equal("e-1", first.Id);
        Assert.Equal("c1", first.CustomerId);
        Assert.Equal(Sample().Timestamp, first.Timestamp);
        Assert.Equal(Sample().ReceivedAt, first.ReceivedAt);
        Assert.Equal("/p/ü", first.Page);
        Assert.True(first.Custom);
        Assert.Equal("""{"amount":1.50,"nested":{"a":[1,2]}}""", System.Text.Encoding.UTF8.GetString(first.Properties.Span));
        Assert.Equal("a:anon-1", decoded[1].Subject);
    }

    [Fact]
    public void Should_scope_idempotency_keys_to_the_subject()
    {
        Assert.Equal(Sample().DedupeKey, Sample().DedupeKey);
        Assert.NotEqual(Sample().DedupeKey, Sample(customer: "c2").DedupeKey);
        Assert.NotEqual(Sample().DedupeKey, Sample("e-2").DedupeKey);
        Assert.NotEqual(Sample(customer: "x").DedupeKey, Sample(customer: null, anonymous: "x").DedupeKey);
    }

    [Fact]
    public void Should_reject_record_when_it_has_no_subject()
    {
        Assert.Throws<FormatException>(() => EventCodec.Decode("""{"id":"1","type":"x","ts":1,"rt":1,"props":{}}"""u8.ToArray()));
    }
}

public sealed class IdentityRulesTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("undefined")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("anonymous")]
    [InlineData(" Anonymous ")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("xxxx")]
    public void Should_refuse_identifier_when_it_is_a_placeholder(string value)
    {
        Assert.True(IdentityRules.IsJunk(value));
        Assert.Equal("junk-identifier", IdentityRules.Check(value)!.Code);
    }

    [Theory]
    [InlineData("anon-7f3a9c")]
    [InlineData("01m88k3yf0ekpeh6594w6q8meh")]
    [InlineData("user@example.com")]
    [InlineData("device:1234")]
    public void Should_accept_identifier_when_it_is_real(string value)
    {
        Assert.Null(IdentityRules.Check(value));
    }

    [Fact]
    public void Should_refuse_identifier_when_it_has_spaces_or_is_too_long()
    {
        Assert.Equal("identifier", IdentityRules.Check("two words")!.Code);
        Assert.Equal("identifier", IdentityRules.Check(new string('a', 120) + "bcdefghij")!.Code);
    }
}
