using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Lifecycle;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Lifecycle;

/// <summary>A hook that fails on every customer whose e-mail starts with "poison" while <see cref="Failing"/> is set.</summary>
public sealed class PoisonHook : IChangeHook
{
    private int _handled;

    public volatile bool Failing = true;

    public int Handled => Volatile.Read(ref _handled);

    public string Name => "poison-probe";

    public bool Wants(ChangeRecord change) =>
        change.Container == Containers.Customers
        && change.After is { } after
        && Encoding.UTF8.GetString(after.Span).Contains("\"poison", StringComparison.Ordinal);

    public ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            throw new InvalidOperationException("The probe hook refuses poison.");
        }
        Interlocked.Add(ref _handled, changes.Count);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The DevHost with the poison hook next to the product's hooks, retrying twice and polling fast.</summary>
public sealed class DeadLetterHostFactory : DevHostFactory
{
    public PoisonHook Hook { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Hooks:MaxAttempts"] = "2", ["Cx:Hooks:PollMilliseconds"] = "10" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IChangeHook>(Hook));
    }
}

/// <summary>The admin API of dead letters, over HTTP against the DevHost, every response held to the OpenAPI document.</summary>
public sealed class DeadLetterApiTests(DeadLetterHostFactory host) : IClassFixture<DeadLetterHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    [Fact]
    public async Task Should_list_inspect_replay_and_discard_a_dead_letter_with_every_action_audited()
    {
        host.Hook.Failing = true;
        var listed = await DeadLetterListAsync("poison-1@example.com");
        var id = listed["id"]!.GetValue<string>();
        Assert.Equal(
            ("poison-probe", "dead", 2),
            (listed["hook"]!.GetValue<string>(), listed["status"]!.GetValue<string>(), listed["attempts"]!.GetValue<int>())
        );
        Assert.Null(listed["change"]!["after"]);

        var inspected = await (await _admin.GetAsync($"dead-letters/poison-probe/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("poison-1@example.com", inspected["change"]!["after"]!["email"]!.GetValue<string>());
        Assert.Equal(
            (Containers.Customers, "upsert"),
            (inspected["change"]!["container"]!.GetValue<string>(), inspected["change"]!["kind"]!.GetValue<string>())
        );
        Assert.Equal("The probe hook refuses poison.", inspected["error"]!["message"]!.GetValue<string>());

        var failed = await (
            await _admin.PostAsync($"dead-letters/poison-probe/{id}/replay", null).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        host.Hook.Failing = false;
        var replayed = await (
            await _admin.PostAsync($"dead-letters/poison-probe/{id}/replay", null).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var handled = host.Hook.Handled;
        var again = await (
            await _admin.PostAsync($"dead-letters/poison-probe/{id}/replay", null).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

        Assert.Equal(
            ("failed", "dead", 3),
            (
                failed["outcome"]!.GetValue<string>(),
                failed["deadLetter"]!["status"]!.GetValue<string>(),
                failed["deadLetter"]!["attempts"]!.GetValue<int>()
            )
        );
        Assert.Equal(
            ("replayed", "replayed"),
            (replayed["outcome"]!.GetValue<string>(), replayed["deadLetter"]!["status"]!.GetValue<string>())
        );
        Assert.Equal("staff:test-admin", replayed["deadLetter"]!["replayedBy"]!.GetValue<string>());
        Assert.Equal("already-replayed", again["outcome"]!.GetValue<string>());
        Assert.Equal(handled, host.Hook.Handled);

        await _admin.DeleteAsync($"dead-letters/poison-probe/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _admin.GetAsync($"dead-letters/poison-probe/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var audit = await (
            await _admin.GetAsync($"audit?filter[targetId]=poison-probe/{id}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var actions = audit["items"]!
            .AsArray()
            .Select(e => (e!["action"]!.GetValue<string>(), e["details"]!["outcome"]!.GetValue<string>(), e["actor"]!.GetValue<string>()))
            .ToList();
        Assert.Equal(4, actions.Count);
        Assert.Contains(("dead-letter.replayed", "failed", "staff:test-admin"), actions);
        Assert.Contains(("dead-letter.replayed", "replayed", "staff:test-admin"), actions);
        Assert.Contains(("dead-letter.replayed", "already-replayed", "staff:test-admin"), actions);
        Assert.Contains(("dead-letter.discarded", "discarded", "staff:test-admin"), actions);
    }

    [Fact]
    public async Task Should_hold_back_neither_the_other_hooks_nor_later_changes()
    {
        host.Hook.Failing = true;
        await DeadLetterListAsync("poison-2@example.com");
        host.Hook.Failing = false;
        var before = host.Hook.Handled;

        await _admin
            .PostAsync("customers", HttpAssertions.Json("""{"email":"poison-3@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (host.Hook.Handled == before)
        {
            await Task.Delay(25, timeout.Token);
        }
        Assert.True(host.Hook.Handled > before);
    }

    [Fact]
    public async Task Should_page_the_list_with_a_cursor()
    {
        host.Hook.Failing = true;
        await DeadLetterListAsync("poison-4@example.com");
        await DeadLetterListAsync("poison-5@example.com");

        var first = await _admin.GetAsync("dead-letters?filter[hook]=poison-probe&limit=1").ShouldBeAsync(HttpStatusCode.OK);
        var page = await first.ReadObjectAsync();
        var cursor = page["nextCursor"]!.GetValue<string>();
        var second = await (
            await _admin
                .GetAsync($"dead-letters?filter[hook]=poison-probe&limit=1&cursor={Uri.EscapeDataString(cursor)}")
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

        Assert.Single(page["items"]!.AsArray());
        Assert.NotNull(first.Headers.GetValues("Link").Single());
        Assert.NotEqual(page["items"]![0]!["id"]!.GetValue<string>(), second["items"]![0]!["id"]!.GetValue<string>());
        await (
            await _admin.GetAsync($"dead-letters?filter[hook]=segments&limit=1&cursor={Uri.EscapeDataString(cursor)}")
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Theory]
    [InlineData("dead-letters?filter[status]=sleeping", "filter[status]")]
    [InlineData("dead-letters?filter[hook][ne]=segments", "filter[hook][ne]")]
    [InlineData("dead-letters?filter[container]=customers", "filter[container]")]
    [InlineData("dead-letters?filter[hook]=Bad%20Hook", "filter[hook]")]
    [InlineData("dead-letters?sort=attempts", "sort")]
    [InlineData("dead-letters?limit=0", "limit")]
    [InlineData("dead-letters/segments/not-an-id", "deadLetterId")]
    [InlineData("dead-letters/Bad_Hook/0000000000000000000000000000000000000000", "hook")]
    [InlineData("dead-letters/segments/0000000000000000000000000000000000000000?x=1", "x")]
    public async Task Should_refuse_bad_input_naming_the_parameter(string path, string parameter)
    {
        var problem = await (await _admin.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        Assert.Contains(parameter, problem.Errors().Select(e => e.Path));
    }

    [Fact]
    public async Task Should_answer_404_for_an_unknown_dead_letter_on_every_operation()
    {
        var path = "dead-letters/segments/" + new string('a', 40);

        await (await _admin.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _admin.PostAsync(path + "/replay", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _admin.DeleteAsync(path)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_not_let_an_api_key_carry_the_dead_letter_permission()
    {
        var body = new JsonObject { ["name"] = "ops", ["scopes"] = new JsonArray(Permissions.LifecycleManage) };

        var problem = await (await _admin.PostAsync("api-keys", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );

        Assert.Contains("/scopes/0", problem.Errors().Select(e => e.Path));
    }

    /// <summary>Creates a poison customer and waits until its change is dead-lettered; returns the listed dead letter.</summary>
    private async Task<JsonObject> DeadLetterListAsync(string email)
    {
        var created = await (
            await _admin.PostAsync("customers", HttpAssertions.Json($$"""{"email":"{{email}}"}""")).ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var customerId = created["id"]!.GetValue<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var page = await (
                await _admin
                    .GetAsync("dead-letters?filter[hook]=poison-probe&filter[status]=dead&limit=100", timeout.Token)
                    .ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            var found = page["items"]!
                .AsArray()
                .Select(i => i!.AsObject())
                .FirstOrDefault(i => i["change"]!["documentId"]!.GetValue<string>() == customerId);
            if (found is not null)
            {
                return found;
            }
            await Task.Delay(25, timeout.Token);
        }
    }
}
