using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Cx.Core.Support;

namespace Cx.Core.Feedback;

/// <summary>
/// The lifecycle hook that opens a ticket for a detractor: each new <c>feedback</c> entry with NPS
/// 0-6 becomes a high-priority ticket of that customer, within the dispatcher's poll (well under a
/// minute). The ticket's id comes from the feedback's, so a change handed over again, or a later change of the entry (its scoring), opens nothing new and
/// leaves an agent's edits of the ticket alone. A change handed over after the customer was erased
/// (their profile is gone; an anonymised entry names a pseudonym that has none) opens nothing: the
/// change still carries the feedback as it was, and a ticket would bring the erased text back.
/// </summary>
public sealed class DetractorHook(SupportService support, IDocumentStore store) : IChangeHook
{
    public const string HookName = "feedback-detractors";

    public const string System = "cx-feedback";

    public string Name => HookName;

    public bool Wants(ChangeRecord change) =>
        change.Kind == ChangeKind.Upsert && change.Type == FeedbackModel.TypeKey && change.Container == Containers.Content;

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            if (change.After is not { } after)
            {
                continue;
            }
            string? customer;
            int nps;
            string? text;
            using (var json = JsonDocument.Parse(after))
            {
                var root = json.RootElement;
                if (!root.TryGetProperty("nps", out var value) || !value.TryGetInt32(out nps) || nps > FeedbackModel.DetractorMax)
                {
                    continue;
                }
                customer = root.TryGetProperty("customer", out var c) ? c.GetString() : null;
                text = root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            if (customer is null || !await CustomerExistsAsync(customer, cancellationToken))
            {
                continue;
            }
            var fields = new JsonObject
            {
                ["subject"] = $"Detractor feedback (NPS {nps})",
                ["channel"] = "web",
                ["priority"] = nps <= 3 ? "urgent" : "high",
            };
            if (text is not null)
            {
                fields["description"] = text.Length > 20_000 ? text[..20_000] : text;
            }
            var ticketId = "feedback-" + change.Id;
            if (ticketId.Length > 64)
            {
                ticketId = ticketId[..64];
            }
            await support.SyncTicketAsync(customer, ticketId, System, change.Id, fields, cancellationToken, createOnly: true);
        }
    }

    private async ValueTask<bool> CustomerExistsAsync(string customerId, CancellationToken cancellationToken) =>
        await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken)
            is { Type: CustomerProfile.TypeKey };
}
