using Cx.Core.Identity;
using Cx.Http.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Configuration;

/// <summary>Settings nested in objects and lists are validated like top-level ones, before the host takes traffic.</summary>
public sealed class NestedOptionsValidationTests
{
    [Fact]
    public void Should_accept_the_defaults()
    {
        using var services = CxServices.Build([]);

        Assert.Equal(10_000, services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Events.Burst);
        Assert.Empty(services.GetRequiredService<IOptions<AuthOptions>>().Value.SigningKeys);
    }

    [Theory]
    [InlineData("Cx:RateLimits:Events:Burst", "0", "Burst")]
    [InlineData("Cx:RateLimits:Read:PerSecond", "0", "PerSecond")]
    [InlineData("Cx:RateLimits:Auth:Burst", "2000000", "Burst")]
    [InlineData("Cx:RateLimits:AuthFailures:Burst", "0", "Burst")]
    [InlineData("Cx:RateLimits:AuthFailures:PerSecond", "0", "PerSecond")]
    public void Should_refuse_a_rate_limit_rule_out_of_range(string key, string value, string member)
    {
        using var services = CxServices.Build(new() { [key] = value });

        Assert.Contains(CxServices.ValidationFailures<RateLimitOptions>(services), f => f.Contains(member, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_refuse_a_signing_key_without_its_private_key()
    {
        using var services = CxServices.Build(new() { ["Cx:Auth:SigningKeys:0:Id"] = "k1" });

        Assert.Contains(CxServices.ValidationFailures<AuthOptions>(services), f => f.Contains("PrivateKeyPem", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_refuse_an_sso_issuer_without_its_keys_address()
    {
        using var services = CxServices.Build(
            new()
            {
                ["Cx:Auth:SsoIssuers:0:Key"] = "corp",
                ["Cx:Auth:SsoIssuers:0:Issuer"] = "https://login.example.com/",
                ["Cx:Auth:SsoIssuers:0:Audience"] = "cx",
            }
        );

        Assert.Contains(CxServices.ValidationFailures<AuthOptions>(services), f => f.Contains("JwksUri", StringComparison.Ordinal));
    }
}
