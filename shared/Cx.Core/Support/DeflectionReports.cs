using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Support;

/// <summary>
/// The deflection report: per self-service article or form and UTC day, its views, "helped" and "did
/// not help" votes, the customers who viewed it, and how many of them opened a ticket within
/// <see cref="SupportOptions.DeflectionWindowHours"/> after their first view that day. Written daily
/// as <c>deflection-report</c> entries, like the journey reports.
/// </summary>
public static class DeflectionReports
{
    public const string TypeKey = "deflection-report";

    /// <summary>The entry id of an article's report of one UTC day (the article key hashed: keys may hold any character).</summary>
    public static string EntryId(string article, DateTimeOffset day) =>
        day.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-" + Hash(article);

    private static string Hash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    private static FieldDefinition Count(string name, string description) =>
        new()
        {
            Name = name,
            Type = FieldType.Integer,
            Min = 0,
            SystemManaged = true,
            Description = description,
        };

    public static ContentType ContentType { get; } =
        new()
        {
            Key = TypeKey,
            DisplayName = "Deflection report",
            Description =
                "Per self-service article or form and UTC day: views, votes, viewers and the tickets those viewers opened within the "
                + "window after viewing. Written daily by Cx; read-only for clients.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.TicketsRead,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "article",
                    Type = FieldType.String,
                    MaxLength = 128,
                    Indexed = true,
                    SystemManaged = true,
                    Description = "The article or form key.",
                },
                new FieldDefinition
                {
                    Name = "from",
                    Type = FieldType.DateTime,
                    Indexed = true,
                    SystemManaged = true,
                },
                new FieldDefinition
                {
                    Name = "to",
                    Type = FieldType.DateTime,
                    SystemManaged = true,
                },
                new FieldDefinition
                {
                    Name = "window",
                    Type = FieldType.String,
                    MaxLength = 32,
                    SystemManaged = true,
                    Description = "How long after a view a ticket counts (ISO 8601 duration).",
                },
                Count("views", "article_viewed and form_viewed events."),
                Count("helped", "\"This helped\" votes."),
                Count("notHelped", "\"Did not help\" votes."),
                Count("viewers", "Distinct customers who viewed it."),
                Count("viewersWithTicket", "Viewers who opened a ticket within the window after their first view of the day."),
                Count("ticketsAfter", "Tickets those viewers opened within the window."),
                new FieldDefinition
                {
                    Name = "deflectionRate",
                    Type = FieldType.Number,
                    SystemManaged = true,
                    Description = "Share of viewers who opened no ticket within the window (0-1); absent without viewers.",
                },
                new FieldDefinition
                {
                    Name = "computedAt",
                    Type = FieldType.DateTime,
                    SystemManaged = true,
                },
            ],
        };
}

/// <summary>Computes and stores the deflection reports (<see cref="DeflectionReports"/>).</summary>
public sealed partial class DeflectionReportWriter(
    EntryService entries,
    TimeProvider time,
    IOptions<SupportOptions> options,
    IOptions<ContentOptions> content,
    ILogger<DeflectionReportWriter> logger
)
{
    /// <summary>Most self-service events read for one day.</summary>
    public const int MaxEventsPerDay = 200_000;

    /// <summary>
    /// Writes the reports of the days before today whose window may still have moved (window + one
    /// day); re-runs replace them. Returns how many entries were written.
    /// </summary>
    public async Task<int> WriteRecentAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var days = (int)Math.Ceiling(options.Value.DeflectionWindowHours / 24.0) + 1;
        var written = 0;
        for (var back = days; back >= 1; back--)
        {
            written += await WriteDayAsync(today.AddDays(-back), cancellationToken);
        }
        LogWritten(logger, written);
        return written;
    }

    /// <summary>Computes every article's report of one UTC day and stores each (created, or replaced).</summary>
    public async Task<int> WriteDayAsync(DateTimeOffset day, CancellationToken cancellationToken)
    {
        var from = new DateTimeOffset(day.UtcDateTime.Date, TimeSpan.Zero);
        var to = from.AddDays(1);
        var window = TimeSpan.FromHours(options.Value.DeflectionWindowHours);
        var byArticle = new Dictionary<string, ArticleDay>(StringComparer.Ordinal);
        await foreach (var (customer, kind, article, at) in EventsAsync(from, to, cancellationToken))
        {
            if (!byArticle.TryGetValue(article, out var stats))
            {
                byArticle[article] = stats = new ArticleDay();
            }
            switch (kind)
            {
                case "article_viewed" or "form_viewed":
                    stats.Views++;
                    if (!stats.FirstView.TryGetValue(customer, out var first) || at < first)
                    {
                        stats.FirstView[customer] = at;
                    }
                    break;
                case "helped":
                    stats.Helped++;
                    break;
                case "not_helped":
                    stats.NotHelped++;
                    break;
            }
        }
        var written = 0;
        foreach (var (article, stats) in byArticle)
        {
            var ticketsAfter = 0;
            var withTicket = 0;
            foreach (var (customer, firstView) in stats.FirstView)
            {
                var opened = await TicketsOpenedAsync(customer, firstView, firstView + window, cancellationToken);
                ticketsAfter += opened;
                withTicket += opened > 0 ? 1 : 0;
            }
            // Integers as long: the entry validator reads whole numbers as 64-bit values.
            var body = new JsonObject
            {
                ["article"] = article,
                ["from"] = Instants.Format(from),
                ["to"] = Instants.Format(to),
                ["window"] = "PT" + options.Value.DeflectionWindowHours.ToString(CultureInfo.InvariantCulture) + "H",
                ["views"] = (long)stats.Views,
                ["helped"] = (long)stats.Helped,
                ["notHelped"] = (long)stats.NotHelped,
                ["viewers"] = (long)stats.FirstView.Count,
                ["viewersWithTicket"] = (long)withTicket,
                ["ticketsAfter"] = (long)ticketsAfter,
                ["computedAt"] = Instants.Format(time.GetUtcNow()),
            };
            if (stats.FirstView.Count > 0)
            {
                body["deflectionRate"] = Math.Round(1 - ((double)withTicket / stats.FirstView.Count), 4);
            }
            await StoreAsync(DeflectionReports.EntryId(article, from), body, cancellationToken);
            written++;
        }
        return written;
    }

    private sealed class ArticleDay
    {
        public int Views;
        public int Helped;
        public int NotHelped;
        public readonly Dictionary<string, DateTimeOffset> FirstView = new(StringComparer.Ordinal);
    }

    private async IAsyncEnumerable<(string Customer, string Kind, string Article, DateTimeOffset At)> EventsAsync(
        DateTimeOffset from,
        DateTimeOffset to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        Keyset? after = null;
        var read = 0;
        do
        {
            var (_, page) = await entries.ListAsync(
                SupportModel.SelfServiceType,
                new EntryListRequest
                {
                    Filters =
                    [
                        new RawFilter("at", "gte", Instants.Format(from), "from"),
                        new RawFilter("at", "lt", Instants.Format(to), "to"),
                    ],
                    Sort = ["at"],
                    Limit = content.Value.MaxPageSize,
                    After = after,
                },
                cancellationToken
            );
            foreach (var document in page.Items)
            {
                using var json = JsonDocument.Parse(document.Json);
                var root = json.RootElement;
                if (
                    Read(root, "customer") is { } customer
                    && Read(root, "kind") is { } kind
                    && Read(root, "article") is { } article
                    && Read(root, "at") is { } atText
                    && Instants.TryParse(atText, out var at)
                )
                {
                    yield return (customer, kind, article, at);
                }
            }
            read += page.Items.Count;
            after = page.Next;
        } while (after is not null && read < MaxEventsPerDay);
    }

    private async Task<int> TicketsOpenedAsync(string customer, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (_, page) = await entries.ListAsync(
            SupportModel.TicketType,
            new EntryListRequest
            {
                Filters =
                [
                    new RawFilter("customer", "eq", customer, "customer"),
                    new RawFilter("openedAt", "gte", Instants.Format(from), "from"),
                    new RawFilter("openedAt", "lte", Instants.Format(to), "to"),
                ],
                Limit = content.Value.MaxPageSize,
            },
            cancellationToken
        );
        return page.Items.Count;
    }

    private static string? Read(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private async Task StoreAsync(string id, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            await entries.ReplaceAsync(
                DeflectionReports.TypeKey,
                id,
                (JsonObject)body.DeepClone(),
                null,
                cancellationToken,
                WriteActor.System
            );
        }
        catch (NotFoundException)
        {
            var created = (JsonObject)body.DeepClone();
            created["id"] = id;
            try
            {
                await entries.CreateAsync(DeflectionReports.TypeKey, created, cancellationToken, WriteActor.System);
            }
            catch (DocumentExistsException)
            {
                await entries.ReplaceAsync(DeflectionReports.TypeKey, id, body, null, cancellationToken, WriteActor.System);
            }
        }
    }

    [LoggerMessage(EventId = 4480, Level = LogLevel.Information, Message = "Wrote {Count} deflection reports")]
    private static partial void LogWritten(ILogger logger, int count);
}
