using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Feedback;
using Cx.Core.Lifecycle;
using Cx.Core.Privacy;
using Cx.Core.Support;
using Cx.Core.Tests.Configuration;
using Cx.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cx.Core.Tests.Privacy;

/// <summary>
/// The feedback detractor hook and an erasure, on the composed app over a real SQLite file: the
/// hook's change of a detractor answer is handed over only after the customer was erased (the
/// dispatcher was behind). It must open no ticket: the change still carries the text as it was.
/// A customer who was not erased gets their ticket from the same call (so the check can fail).
/// </summary>
public sealed class DetractorAfterErasureTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-detractor-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static async Task<ChangeRecord> DetractorAsync(
        EntryService entries,
        FeedbackService feedbackService,
        string customerId,
        string text
    )
    {
        await entries.CreateAsync(
            "customer",
            new JsonObject
            {
                ["id"] = customerId,
                ["email"] = customerId + "@example.com",
                ["name"] = "Name " + customerId,
            },
            CancellationToken.None,
            WriteActor.System
        );
        var body = JsonNode.Parse("""{"nps":2}""")!.AsObject();
        body["text"] = text;
        var feedback = await feedbackService.RecordAsync(customerId, body, CancellationToken.None);
        return new ChangeRecord(
            "1",
            Containers.Content,
            feedback.Id,
            feedback.PartitionKey,
            feedback.Type,
            ChangeKind.Upsert,
            feedback.ETag,
            TimeProvider.System.GetUtcNow(),
            null,
            feedback.Json
        );
    }

    [Fact]
    public async Task Should_open_no_ticket_for_a_customer_erased_before_the_change_arrives()
    {
        await using var services = CxServices.Build(new() { ["Cx:Storage:Sqlite:Path"] = Path.Combine(_folder, "cx.db") });
        foreach (var initializer in services.GetServices<IHostedService>().Where(h => h is CxInitializer or EventsInitializer))
        {
            await initializer.StartAsync(CancellationToken.None);
        }
        var entries = services.GetRequiredService<EntryService>();
        var feedback = services.GetRequiredService<FeedbackService>();
        var hook = services.GetServices<IChangeHook>().OfType<DetractorHook>().Single();
        var erased = await DetractorAsync(entries, feedback, "det-erased", "The courier of det-erased was rude");
        var kept = await DetractorAsync(entries, feedback, "det-kept", "The parcel never arrived");

        await services.GetRequiredService<PrivacyErasureService>().EraseAsync("det-erased", CancellationToken.None);
        await hook.HandleAsync([erased, kept], CancellationToken.None);

        await Assert.ThrowsAsync<NotFoundException>(() =>
            entries.GetAsync(SupportModel.TicketType, "feedback-" + erased.Id, CancellationToken.None)
        );
        var ticket = await entries.GetAsync(SupportModel.TicketType, "feedback-" + kept.Id, CancellationToken.None);
        Assert.Equal("det-kept", JsonNode.Parse(ticket.Json.Span)!["customer"]!.GetValue<string>());
    }
}
