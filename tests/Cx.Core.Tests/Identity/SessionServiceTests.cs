using System.Security.Cryptography;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Tests.Identity;

/// <summary>Refresh tokens against every kind of revocation, and two uses of one token racing on the real SQLite store.</summary>
public sealed class SessionServiceTests : IAsyncLifetime
{
    private static readonly Actor Customer = new(
        ActorKind.Customer,
        "c-1",
        [Roles.Customer],
        Permissions.ForRoles([Roles.Customer]),
        "c-1"
    );

    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private sealed class OneKey : ISigningKeyStore
    {
        private readonly IReadOnlyList<SigningKey> _keys =
        [
            new("k1", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "k1" }, Active: true),
        ];

        public ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_keys);
    }

    /// <summary>One instance of the identity services; instances share the store, not their memory.</summary>
    private SessionService CreateSut(IDocumentStore? store = null, int revocationCacheSeconds = 60)
    {
        var options = Options.Create(new AuthOptions { RevocationCacheSeconds = revocationCacheSeconds });
        var identity = new IdentityStore(store ?? _fixture.Store);
        return new SessionService(
            identity,
            new TokenService(new OneKey(), options, _fixture.Time),
            new RevocationCache(identity, options, _fixture.Time),
            new AccountService(identity, options, _fixture.Time),
            options,
            _fixture.Time
        );
    }

    [Fact]
    public async Task Should_refuse_at_once_on_another_instance_a_refresh_of_a_session_begun_before_sign_out_everywhere()
    {
        var here = CreateSut();
        var there = CreateSut();
        var before = await there.StartAsync(Customer, "mobile", CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));

        await here.RevokeAllAsync(ActorKind.Customer, Customer.Subject, CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        var after = await there.StartAsync(Customer, "mobile", CancellationToken.None);

        var refused = await Assert.ThrowsAsync<UnauthorizedException>(() =>
            there.RefreshAsync(before.RefreshToken, CancellationToken.None)
        );
        Assert.Equal(UnauthorizedException.InvalidGrant, refused.Error);
        var renewed = await there.RefreshAsync(after.RefreshToken, CancellationToken.None);
        Assert.Equal(after.SessionId, renewed.SessionId);
    }

    [Fact]
    public async Task Should_let_the_refresh_that_spends_the_token_win_when_the_copy_revokes_the_family_first()
    {
        var store = new ChoreographedStore(_fixture.Store);
        var sut = CreateSut(store);
        var pair = await sut.StartAsync(Customer, "mobile", CancellationToken.None);
        store.Choreograph(IdentityStore.Hash(pair.RefreshToken), pair.SessionId);

        // Both read the token before either spends it; a session read waits until the family is revoked.
        var results = await Task.WhenAll(
            Enumerable.Range(0, 2).Select(_ => Task.Run(() => Outcome(sut.RefreshAsync(pair.RefreshToken, CancellationToken.None))))
        );

        var winner = Assert.Single(results, r => r.Pair is not null).Pair!;
        var loser = Assert.Single(results, r => r.Error is not null).Error!;
        Assert.Contains("already used", loser.Message, StringComparison.Ordinal);
        // The copy revoked the family: what the winner got dies with it.
        await Assert.ThrowsAsync<UnauthorizedException>(() => sut.RefreshAsync(winner.RefreshToken, CancellationToken.None));
    }

    private static async Task<(TokenPair? Pair, UnauthorizedException? Error)> Outcome(Task<TokenPair> refresh)
    {
        try
        {
            return (await refresh, null);
        }
        catch (UnauthorizedException ex)
        {
            return (null, ex);
        }
    }

    /// <summary>
    /// Forces the interleaving of two racing refreshes: both read the refresh token before either
    /// writes, and the first read of the session after the token is spent waits (up to a bound)
    /// until the session has been revoked by the other one.
    /// </summary>
    private sealed class ChoreographedStore(IDocumentStore inner) : IDocumentStore
    {
        private readonly TaskCompletionSource _bothRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _sessionRevoked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _tokenId;
        private string? _sessionId;
        private int _tokenReads;
        private bool _spent;
        private int _sessionHeld;

        public void Choreograph(string tokenId, string sessionId)
        {
            _tokenId = tokenId;
            _sessionId = sessionId;
        }

        public async ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken)
        {
            var document = await inner.ReadAsync(container, key, cancellationToken);
            if (key.Id == _tokenId && Interlocked.Increment(ref _tokenReads) <= 2)
            {
                if (_tokenReads == 2)
                {
                    _bothRead.TrySetResult();
                }
                await _bothRead.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            if (key.Id == _sessionId && Volatile.Read(ref _spent) && Interlocked.Exchange(ref _sessionHeld, 1) == 0)
            {
                try
                {
                    await _sessionRevoked.Task.WaitAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (TimeoutException)
                {
                    // Nobody revoked it in time: read it as it is.
                }
                document = await inner.ReadAsync(container, key, cancellationToken);
            }
            return document;
        }

        public async ValueTask<StoredDocument> ReplaceAsync(
            string container,
            DocumentWrite document,
            string? ifMatch,
            CancellationToken cancellationToken
        )
        {
            var written = await inner.ReplaceAsync(container, document, ifMatch, cancellationToken);
            if (document.Key.Id == _tokenId)
            {
                Volatile.Write(ref _spent, true);
            }
            if (document.Key.Id == _sessionId)
            {
                _sessionRevoked.TrySetResult();
            }
            return written;
        }

        public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
            string container,
            IReadOnlyList<DocumentKey> keys,
            CancellationToken cancellationToken
        ) => inner.ReadManyAsync(container, keys, cancellationToken);

        public ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
            inner.CreateAsync(container, document, cancellationToken);

        public ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
            inner.UpsertAsync(container, document, cancellationToken);

        public ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken) =>
            inner.DeleteAsync(container, key, ifMatch, cancellationToken);

        public ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken) =>
            inner.QueryAsync(container, query, cancellationToken);

        public ValueTask<long> CountAsync(
            string container,
            string type,
            Cx.Core.Rules.Condition? filter,
            CancellationToken cancellationToken
        ) => inner.CountAsync(container, type, filter, cancellationToken);

        public ValueTask EnsureIndexesAsync(
            string container,
            string type,
            IReadOnlyList<Cx.Core.Rules.FieldPath> fields,
            CancellationToken cancellationToken
        ) => inner.EnsureIndexesAsync(container, type, fields, cancellationToken);
    }
}
