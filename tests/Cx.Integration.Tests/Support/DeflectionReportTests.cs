using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Core.Support;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Support;

/// <summary>A host of its own, so the day's self-service events are only these.</summary>
public sealed class DeflectionDevHostFactory : DevHostFactory;

/// <summary>The daily deflection report over real storage, read back through the content API.</summary>
public sealed class DeflectionReportTests(DeflectionDevHostFactory host) : IClassFixture<DeflectionDevHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly HttpClient _agent = host.CreateClientFor(Roles.SupportAgent);

    private async Task<string> CustomerAsync(string name)
    {
        var id = name + "-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return id;
    }

    private Task SelfServiceAsync(string customer, string kind, string article) =>
        _admin
            .PostAsync(
                $"customers/{customer}/self-service-events",
                HttpAssertions.Json($$"""{"kind":"{{kind}}","article":"{{article}}"}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);

    private Task TicketAsync(string customer) =>
        _agent
            .PostAsync($"customers/{customer}/tickets", HttpAssertions.Json("""{"subject":"Still stuck"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

    private async Task<JsonObject> ReportAsync(string article)
    {
        var page = await (
            await _admin.GetAsync($"content/deflection-report?filter[article]={article}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        return Assert.Single(page["items"]!.AsArray())!.AsObject();
    }

    [Fact]
    public async Task Should_count_views_votes_and_tickets_opened_after_a_view_per_article_and_replace_on_a_rerun()
    {
        var ana = await CustomerAsync("ana");
        var ben = await CustomerAsync("ben");
        var cai = await CustomerAsync("cai");
        await SelfServiceAsync(ana, "article_viewed", "returns");
        await SelfServiceAsync(ana, "article_viewed", "returns");
        await SelfServiceAsync(ana, "helped", "returns");
        await SelfServiceAsync(ben, "article_viewed", "returns");
        await TicketAsync(ben); // after ben's view: counts against "returns"
        await TicketAsync(cai); // before cai's view: does not count
        await SelfServiceAsync(cai, "form_viewed", "sizing");
        await SelfServiceAsync(cai, "not_helped", "sizing");

        var writer = host.Services.GetRequiredService<DeflectionReportWriter>();
        var today = TimeProvider.System.GetUtcNow();
        Assert.Equal(2, await writer.WriteDayAsync(today, CancellationToken.None));

        var returns = await ReportAsync("returns");
        Assert.Equal(
            (3, 1, 0, 2, 1, 1, 0.5, "PT72H"),
            (
                returns["views"]!.GetValue<int>(),
                returns["helped"]!.GetValue<int>(),
                returns["notHelped"]!.GetValue<int>(),
                returns["viewers"]!.GetValue<int>(),
                returns["viewersWithTicket"]!.GetValue<int>(),
                returns["ticketsAfter"]!.GetValue<int>(),
                returns["deflectionRate"]!.GetValue<double>(),
                returns["window"]!.GetValue<string>()
            )
        );
        var sizing = await ReportAsync("sizing");
        Assert.Equal(
            (1, 0, 1, 1, 0, 0, 1.0),
            (
                sizing["views"]!.GetValue<int>(),
                sizing["helped"]!.GetValue<int>(),
                sizing["notHelped"]!.GetValue<int>(),
                sizing["viewers"]!.GetValue<int>(),
                sizing["viewersWithTicket"]!.GetValue<int>(),
                sizing["ticketsAfter"]!.GetValue<int>(),
                sizing["deflectionRate"]!.GetValue<double>()
            )
        );

        // A re-run after another ticket replaces the day's entry (same id), it does not add one.
        await TicketAsync(ana);
        await writer.WriteDayAsync(today, CancellationToken.None);
        var again = await ReportAsync("returns");
        Assert.Equal(returns["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        Assert.Equal(2, again["viewersWithTicket"]!.GetValue<int>());
        Assert.Equal(0, again["deflectionRate"]!.GetValue<double>());

        // The entries are system-written: a client cannot write one.
        await (await _admin.PostAsync("content/deflection-report", HttpAssertions.Json("""{"article":"x"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "system-written"
        );
    }
}
