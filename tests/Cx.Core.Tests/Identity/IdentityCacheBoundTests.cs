using System.Globalization;
using System.Security.Cryptography;
using Cx.Core.Identity;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace Cx.Core.Tests.Identity;

/// <summary>
/// The caches on the authentication path stay within their size bound whatever callers send:
/// junk API keys, endless distinct subjects, more valid tokens than the bound. (Memory before and
/// after is written to the test output; it is measured, not asserted.)
/// </summary>
public sealed class IdentityCacheBoundTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Flood = 100_000;

    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private static IOptions<AuthOptions> Options() => Microsoft.Extensions.Options.Options.Create(new AuthOptions());

    [Fact]
    public async Task Should_hold_at_most_the_bound_of_api_key_lookups_after_100000_bogus_keys()
    {
        var sut = new ApiKeyService(new IdentityStore(_fixture.Store), Options(), _fixture.Time);
        var real = await CreateKeyAsync(sut);
        await sut.AuthenticateAsync(real, CancellationToken.None);
        var before = Memory();

        for (var i = 0; i < Flood; i++)
        {
            var bogus = $"cx_bogus{i.ToString(CultureInfo.InvariantCulture)}_not-a-secret";
            await Assert.ThrowsAsync<UnauthorizedException>(() => sut.AuthenticateAsync(bogus, CancellationToken.None).AsTask());
            Assert.True(sut.CachedEntries <= Options().Value.MaxCachedEntries, $"{sut.CachedEntries} entries after {i + 1} keys");
        }

        Report("API key lookups", before, sut.CachedEntries);
        // The real key still works after the flood, whether or not it stayed cached.
        Assert.Equal(ActorKind.ApiKey, (await sut.AuthenticateAsync(real, CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Should_hold_at_most_the_bound_of_revocation_states_after_100000_subjects()
    {
        var sut = new RevocationCache(new IdentityStore(_fixture.Store), Options(), _fixture.Time);
        var issued = _fixture.Time.GetUtcNow();
        var before = Memory();

        for (var i = 0; i < Flood; i++)
        {
            var actor = new Actor(
                ActorKind.Customer,
                "c" + i.ToString(CultureInfo.InvariantCulture),
                [Roles.Customer],
                System.Collections.Frozen.FrozenSet<string>.Empty
            );
            Assert.False(await sut.IsRevokedAsync(actor, issued, CancellationToken.None));
            Assert.True(sut.CachedEntries <= Options().Value.MaxCachedEntries, $"{sut.CachedEntries} entries after {i + 1} subjects");
        }

        Report("revocation states", before, sut.CachedEntries);
    }

    [Fact]
    public async Task Should_hold_at_most_the_bound_of_validated_tokens()
    {
        var key = new SigningKey("k1", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "k1" }, Active: true);
        var sut = new TokenService(new FixedKeys(key), Options(), _fixture.Time);
        var bound = Options().Value.MaxCachedEntries;

        for (var i = 0; i < bound + 500; i++)
        {
            var actor = new Actor(
                ActorKind.Staff,
                "s" + i.ToString(CultureInfo.InvariantCulture),
                [Roles.Editor],
                System.Collections.Frozen.FrozenSet<string>.Empty
            );
            var token = await sut.IssueAsync(actor, CancellationToken.None);
            await sut.ValidateAsync(token.Token, CancellationToken.None);
            Assert.True(sut.CachedEntries <= bound, $"{sut.CachedEntries} entries after {i + 1} tokens");
        }
    }

    private sealed class FixedKeys(SigningKey key) : ISigningKeyStore
    {
        public ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<SigningKey>>([key]);
    }

    private static async Task<string> CreateKeyAsync(ApiKeyService service)
    {
        using (CurrentActor.Use(new Actor(ActorKind.Staff, "admin", [Roles.Admin], Permissions.ForRoles([Roles.Admin]))))
        {
            var (_, secret) = await service.CreateAsync("real", [Permissions.ContentRead], false, null, CancellationToken.None);
            return secret;
        }
    }

    private static long Memory() => GC.GetTotalMemory(forceFullCollection: true);

    private void Report(string cache, long before, int entries)
    {
        var after = Memory();
        output.WriteLine(
            FormattableString.Invariant(
                $"{cache}: {entries} entries; managed memory {before / 1024.0 / 1024:F1} MiB before, {after / 1024.0 / 1024:F1} MiB after {Flood} distinct callers ({(after - before) / 1024.0 / 1024:+0.0;-0.0} MiB)"
            )
        );
    }
}
