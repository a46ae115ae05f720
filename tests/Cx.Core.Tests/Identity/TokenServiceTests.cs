using System.Collections.Frozen;
using System.Security.Cryptography;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Tests.Identity;

public sealed class TokenServiceTests
{
    private sealed class MutableKeyStore : ISigningKeyStore
    {
        public List<SigningKey> Keys { get; } = [];

        public ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<SigningKey>>([.. Keys]);
    }

    private static readonly Actor Marketer = new(
        ActorKind.Staff,
        "m-1",
        [Roles.Marketer],
        Permissions.ForRoles([Roles.Marketer]),
        DisplayName: "M"
    );

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly MutableKeyStore _keys = new();

    private static SigningKey NewKey(string id) =>
        new(id, new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = id }, Active: true);

    private TokenService CreateSut() => new(_keys, Options.Create(new AuthOptions()), _time);

    [Fact]
    public async Task Should_validate_a_token_again_from_memory_with_the_same_actor()
    {
        _keys.Keys.Add(NewKey("k1"));
        var sut = CreateSut();
        var issued = await sut.IssueAsync(Marketer, CancellationToken.None);

        var first = await sut.ValidateAsync(issued.Token, CancellationToken.None);
        var second = await sut.ValidateAsync(issued.Token, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal("m-1", second.Actor.Subject);
        Assert.True(second.Actor.Has(Permissions.SegmentsWrite));
    }

    [Fact]
    public async Task Should_reject_a_remembered_token_once_it_expires()
    {
        _keys.Keys.Add(NewKey("k1"));
        var sut = CreateSut();
        var issued = await sut.IssueAsync(Marketer, CancellationToken.None, TimeSpan.FromMinutes(5));
        await sut.ValidateAsync(issued.Token, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(5) + TokenService.ClockSkew + TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<UnauthorizedException>(() => sut.ValidateAsync(issued.Token, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Should_reject_a_remembered_token_once_its_signing_key_is_removed()
    {
        var old = NewKey("k1");
        _keys.Keys.Add(old);
        var sut = CreateSut();
        var issued = await sut.IssueAsync(Marketer, CancellationToken.None);
        await sut.ValidateAsync(issued.Token, CancellationToken.None);

        _keys.Keys.Clear();
        _keys.Keys.Add(NewKey("k2"));

        await Assert.ThrowsAsync<UnauthorizedException>(() => sut.ValidateAsync(issued.Token, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Should_not_remember_a_tampered_token()
    {
        _keys.Keys.Add(NewKey("k1"));
        var sut = CreateSut();
        var issued = await sut.IssueAsync(Marketer, CancellationToken.None);
        await sut.ValidateAsync(issued.Token, CancellationToken.None);
        var parts = issued.Token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? "B" : "A") + parts[2][1..];

        await Assert.ThrowsAsync<UnauthorizedException>(() => sut.ValidateAsync(forged, CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<UnauthorizedException>(() => sut.ValidateAsync(forged, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Should_keep_validating_when_more_tokens_than_the_memory_holds_are_seen()
    {
        _keys.Keys.Add(NewKey("k1"));
        var sut = CreateSut();
        var first = await sut.IssueAsync(Marketer, CancellationToken.None);
        await sut.ValidateAsync(first.Token, CancellationToken.None);
        for (var i = 0; i < new AuthOptions().MaxCachedEntries; i++)
        {
            var token = await sut.IssueAsync(Marketer with { Subject = "m-" + i }, CancellationToken.None);
            await sut.ValidateAsync(token.Token, CancellationToken.None);
        }

        var again = await sut.ValidateAsync(first.Token, CancellationToken.None);

        Assert.Equal("m-1", again.Actor.Subject);
    }
}
