using System.Text;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Personalization;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Personalization;

/// <summary>Embedded mode's expiry of the decision log, on a real SQLite store and a fake clock.</summary>
public sealed class DecisionLogExpiryTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;
    private readonly PersonalizationOptions _options = new() { DecisionLogRetentionDays = 14, DecisionLogExpiryMinutes = 60 };

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private DecisionLog CreateSut() => new(_fixture.Store, _fixture.Time, Options.Create(_options));

    private async Task LogAsync(string id, DateTimeOffset at, string customer = "ana") =>
        await _fixture.Store.CreateAsync(
            Containers.Definitions,
            new DocumentWrite(
                id,
                PersonalizationDocuments.DecisionLog,
                PersonalizationDocuments.DecisionLog,
                Encoding.UTF8.GetBytes(
                    $$"""{"id":"{{id}}","type":"decisionLog","at":"{{Instants.Format(at)}}","customerId":"{{customer}}","placements":[]}"""
                )
            ),
            CancellationToken.None
        );

    private async Task<List<string>> LoggedAsync(DecisionLog log) =>
        [.. (await log.ListAsync(null, 100, null, CancellationToken.None)).Items.Select(d => d.Id)];

    [Fact]
    public async Task Should_delete_only_the_decisions_older_than_the_retention()
    {
        var log = CreateSut();
        await log.InitializeAsync(CancellationToken.None);
        var now = _fixture.Time.GetUtcNow();
        await LogAsync("old-1", now.AddDays(-30));
        await LogAsync("old-2", now.AddDays(-14).AddMinutes(-1));
        await LogAsync("edge", now.AddDays(-14).AddMinutes(1));
        await LogAsync("new", now.AddMinutes(-5));

        Assert.Equal(2, await log.ExpireAsync(CancellationToken.None));

        Assert.Equal(["new", "edge"], await LoggedAsync(log));
        Assert.Equal(0, await log.ExpireAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Should_expire_more_than_one_batch()
    {
        var log = CreateSut();
        await log.InitializeAsync(CancellationToken.None);
        var now = _fixture.Time.GetUtcNow();
        for (var i = 0; i < DecisionLog.ExpiryBatch * 2 + 3; i++)
        {
            await LogAsync($"old-{i:D4}", now.AddDays(-20).AddSeconds(i));
        }
        await LogAsync("new", now);

        Assert.Equal(DecisionLog.ExpiryBatch * 2 + 3, await log.ExpireAsync(CancellationToken.None));
        Assert.Equal(["new"], await LoggedAsync(log));
    }

    [Fact]
    public async Task Should_expire_at_start_and_then_on_every_round_of_the_clock()
    {
        var log = CreateSut();
        await log.InitializeAsync(CancellationToken.None);
        var start = _fixture.Time.GetUtcNow();
        await LogAsync("old", start.AddDays(-15));
        await LogAsync("ages", start.AddDays(-14).AddMinutes(30));
        using var service = new DecisionLogExpiry(log, _fixture.Time, Options.Create(_options), NullLogger<DecisionLogExpiry>.Instance);

        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(async () => !(await LoggedAsync(log)).Contains("old"));
        Assert.Contains("ages", await LoggedAsync(log));

        // An hour later (one round), the second one is past the retention too.
        _fixture.Time.Advance(TimeSpan.FromMinutes(60));
        await WaitUntilAsync(async () => (await LoggedAsync(log)).Count == 0);
        await service.StopAsync(CancellationToken.None);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        // Polls the condition (not a sleep): the service runs on its own task.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(25, timeout.Token);
        }
    }
}
