using Cx.Core.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Content;

/// <summary>A revocation made on one instance reaches another within RevocationCacheSeconds, and not before.</summary>
public sealed class RevocationBoundTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Should_apply_a_revocation_on_another_instance_within_the_bound()
    {
        var options = Options.Create(new AuthOptions { RevocationCacheSeconds = 5 });
        var store = new IdentityStore(_fixture.Store);
        var here = new RevocationCache(store, options, _fixture.Time);
        var there = new RevocationCache(store, options, _fixture.Time);
        var actor = new Actor(ActorKind.Staff, "acct-1", [Roles.Editor], Permissions.ForRoles([Roles.Editor]), SessionId: "s1");
        var issued = _fixture.Time.GetUtcNow();

        Assert.False(await there.IsRevokedAsync(actor, issued, CancellationToken.None));
        await here.RevokeAsync(
            ActorKind.Staff,
            "acct-1",
            s => s with { Sessions = [new RevokedSession("s1", issued.AddHours(1))] },
            CancellationToken.None
        );

        Assert.True(await here.IsRevokedAsync(actor, issued, CancellationToken.None));
        Assert.False(await there.IsRevokedAsync(actor, issued, CancellationToken.None));
        _fixture.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(await there.IsRevokedAsync(actor, issued, CancellationToken.None));
        _fixture.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(await there.IsRevokedAsync(actor, issued, CancellationToken.None));
        Assert.False(await there.IsRevokedAsync(actor with { SessionId = "s2" }, issued, CancellationToken.None));
    }

    [Fact]
    public async Task Should_revoke_everything_issued_before_sign_out_everywhere_but_not_after()
    {
        var options = Options.Create(new AuthOptions { RevocationCacheSeconds = 0 });
        var cache = new RevocationCache(new IdentityStore(_fixture.Store), options, _fixture.Time);
        var actor = new Actor(ActorKind.Customer, "c1", [Roles.Customer], Permissions.ForRoles([Roles.Customer]), "c1");
        var before = _fixture.Time.GetUtcNow();
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(5));
        await cache.RevokeAsync(ActorKind.Customer, "c1", s => s with { NotBefore = _fixture.Time.GetUtcNow() }, CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await cache.IsRevokedAsync(actor, before, CancellationToken.None));
        Assert.False(await cache.IsRevokedAsync(actor, _fixture.Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await cache.IsRevokedAsync(actor with { Kind = ActorKind.Staff }, before, CancellationToken.None));
    }
}
