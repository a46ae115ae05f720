using Microsoft.Extensions.Configuration;

namespace Cx.Hosting;

/// <summary>Which adapters Cx runs on; every value is validated at start-up.</summary>
public static class Providers
{
    /// <summary><c>Cx:Storage:Provider</c>: the document store and change feed.</summary>
    public const string StorageKey = "Cx:Storage:Provider";

    public const string Sqlite = "Sqlite";

    public const string Cosmos = "Cosmos";

    public static IReadOnlyList<string> Storage { get; } = [Sqlite, Cosmos];

    /// <summary><c>Cx:Auth:KeyProvider</c>: where token signing keys come from.</summary>
    public const string KeyProviderKey = "Cx:Auth:KeyProvider";

    public const string LocalKeys = "Local";

    public const string ConfiguredKeys = "Configuration";

    public static IReadOnlyList<string> KeyProviders { get; } = [LocalKeys, ConfiguredKeys];

    /// <summary><c>Cx:Stream:Provider</c>: the event stream (and, with it, where the batch processor runs).</summary>
    public const string StreamKey = "Cx:Stream:Provider";

    public const string Embedded = "Embedded";

    public const string EventHubs = "EventHubs";

    public static IReadOnlyList<string> Stream { get; } = [Embedded, EventHubs];

    /// <summary>
    /// <c>Cx:Analytics:Provider</c>: the analytics store (facts, roll-ups, identity links). It
    /// follows <c>Cx:Storage:Provider</c> by default (<c>Sqlite</c> gives <c>Embedded</c>). Only
    /// <c>Embedded</c> exists so far: with <c>Cosmos</c> storage, start-up fails until the Cosmos
    /// analytics adapter is built, unless <c>Embedded</c> is chosen explicitly (one instance).
    /// </summary>
    public const string AnalyticsKey = "Cx:Analytics:Provider";

    public static IReadOnlyList<string> Analytics { get; } = [Embedded];

    /// <summary><c>Cx:Blob:Provider</c>: archives and exports.</summary>
    public const string BlobKey = "Cx:Blob:Provider";

    public const string Local = "Local";

    public const string AzureBlob = "AzureBlob";

    public static IReadOnlyList<string> Blob { get; } = [Local, AzureBlob];

    /// <summary>
    /// <c>Cx:Queues:Provider</c>: the work queue (webhook deliveries, notification sends): <c>Embedded</c>
    /// (tables in the SQLite file of the embedded store) or <c>ServiceBus</c> (session-enabled queues).
    /// </summary>
    public const string QueuesKey = "Cx:Queues:Provider";

    public const string ServiceBus = "ServiceBus";

    public static IReadOnlyList<string> Queues { get; } = [Embedded, ServiceBus];

    /// <summary>
    /// <c>Cx:RateLimits:Provider</c>: where rate-limit buckets live: <c>InProcess</c> (per instance,
    /// the default) or <c>Redis</c> (shared by the instances on one Redis, <c>Cx:RateLimits:Redis</c>).
    /// </summary>
    public const string RateLimitsKey = "Cx:RateLimits:Provider";

    public const string InProcess = "InProcess";

    public const string Redis = "Redis";

    public static IReadOnlyList<string> RateLimits { get; } = [InProcess, Redis];

    /// <summary>
    /// <c>Cx:Personalization:CacheProvider</c>: the L2 of personalization's tagged cache: <c>Memory</c>
    /// (none beyond each instance's memory, the default) or <c>Redis</c> (<c>Cx:Personalization:Redis</c>).
    /// </summary>
    public const string PersonalizationCacheKey = "Cx:Personalization:CacheProvider";

    public const string Memory = "Memory";

    public static IReadOnlyList<string> PersonalizationCache { get; } = [Memory, Redis];

    /// <summary>
    /// <c>Cx:Realtime:Provider</c>: the realtime transport: <c>Embedded</c> (the DevHost's SignalR hub;
    /// the function app alone has none) or <c>SignalRService</c> (Azure SignalR Service, serverless, by REST).
    /// </summary>
    public const string RealtimeKey = "Cx:Realtime:Provider";

    public const string SignalRService = "SignalRService";

    public static IReadOnlyList<string> Realtime { get; } = [Embedded, SignalRService];

    /// <summary><c>Cx:Realtime:SessionProvider</c>: where device sessions live: <c>Embedded</c> (the SQLite file) or <c>Redis</c>.</summary>
    public const string SessionsKey = "Cx:Realtime:SessionProvider";

    public static IReadOnlyList<string> Sessions { get; } = [Embedded, Redis];

    /// <summary>
    /// Whether this process runs in Azure App Service or Azure Functions: <c>WEBSITE_SITE_NAME</c>
    /// is set there, and the Functions host sets <c>FUNCTIONS_WORKER_RUNTIME</c> with
    /// <c>WEBSITE_INSTANCE_ID</c> (local Core Tools set only the first).
    /// </summary>
    public static bool IsAzure(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["WEBSITE_SITE_NAME"])
        || (
            !string.IsNullOrEmpty(configuration["FUNCTIONS_WORKER_RUNTIME"]) && !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"])
        );

    /// <summary>Stops start-up when a development-only provider is chosen in Azure, naming the setting and what to use.</summary>
    public static void RefuseInAzure(IConfiguration configuration, string key, string value, string instead)
    {
        if (IsAzure(configuration))
        {
            throw new InvalidOperationException(
                $"{key} is {value}, which is for local runs only, and this process runs in Azure. "
                    + $"Set {key.Replace(":", "__", StringComparison.Ordinal)} to {instead}."
            );
        }
    }

    /// <summary>Resolves a provider setting: the default when unset, the canonical name when known.</summary>
    public static string Resolve(string key, string? value, IReadOnlyList<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return allowed[0];
        }
        return allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"Unknown {key} '{value}'. Allowed: {string.Join(", ", allowed)}.");
    }
}
