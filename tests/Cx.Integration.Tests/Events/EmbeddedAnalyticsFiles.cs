using System.Text;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Analytics;
using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// The embedded analytics store on a real SQLite file in a temporary folder: the one database and
/// the class of every port over it, as <c>AddCxEmbeddedAnalytics</c> wires them.
/// </summary>
public sealed class EmbeddedAnalyticsFiles : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-analytics-tests", Guid.NewGuid().ToString("n"));

    public EmbeddedAnalyticsFiles()
    {
        var sqlite = Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") });
        Database = new AnalyticsDatabase(new EmbeddedEventsPaths(Options.Create(new EmbeddedEventsOptions()), sqlite), sqlite);
        Store = new SqliteAnalyticsStore(Database);
        Behaviors = new SqliteBehaviorStore(Database);
        Links = new SqliteIdentityLinkStore(Database);
        Rollups = new SqliteRollupReader(Database);
        Occurrences = new SqliteOccurrenceReader(Database);
    }

    public AnalyticsDatabase Database { get; }

    public SqliteAnalyticsStore Store { get; }

    public SqliteBehaviorStore Behaviors { get; }

    public SqliteIdentityLinkStore Links { get; }

    public SqliteRollupReader Rollups { get; }

    public SqliteOccurrenceReader Occurrences { get; }

    /// <summary>A fact of one event, as the batch processor makes it (no event type definition).</summary>
    public static EventFact Fact(
        string id,
        string? customer,
        string? anonymous,
        string type,
        DateTimeOffset at,
        string properties = "{}"
    ) =>
        EventBatchProcessor.ToFact(
            new TrackedEvent
            {
                Id = id,
                Type = type,
                CustomerId = customer,
                AnonymousId = anonymous,
                Timestamp = at,
                ReceivedAt = at,
                Properties = Encoding.UTF8.GetBytes(properties),
            },
            null
        );

    public void Dispose()
    {
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }
}
