using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Embedded.Sqlite;
using Cx.Hosting;
using Cx.Http;
using Cx.Http.Security;

namespace Cx.Core.Tests.Configuration;

/// <summary>
/// Keeps <c>local.settings.sample.json</c> in step with the options classes: every scalar setting
/// is in the sample at its default, and every <c>Cx__</c> key of the sample is bound by something
/// (or is listed below as inert, with the reason). Lists (signing keys, SSO issuers, allowed
/// origins) have no default and are documented in docs/configuration.md instead.
/// </summary>
public sealed class LocalSettingsSampleTests
{
    /// <summary>The options classes the sample covers; each is bound from its <c>Section</c> constant.</summary>
    private static readonly Type[] OptionsTypes =
    [
        typeof(ContentOptions),
        typeof(Cx.Core.Portability.PortabilityOptions),
        typeof(Cx.Core.Portability.Snapshots.SnapshotOptions),
        typeof(Cx.Core.Privacy.PrivacyOptions),
        typeof(HttpOptions),
        typeof(SqliteOptions),
        typeof(AuthOptions),
        typeof(RateLimitOptions),
        typeof(Cx.Core.Lifecycle.HookOptions),
        typeof(Cx.Core.Segments.SegmentOptions),
        typeof(Cx.Core.Personalization.PersonalizationOptions),
        typeof(Cx.Core.Flags.FlagOptions),
        typeof(Cx.Core.Experiments.ExperimentOptions),
        typeof(Cx.Core.Support.SupportOptions),
        typeof(Cx.Core.Inbound.InboundOptions),
        typeof(Cx.Core.Feedback.FeedbackOptions),
        typeof(Cx.Core.Events.EventOptions),
        typeof(Cx.Core.Analytics.AnalyticsOptions),
        typeof(Cx.Embedded.Events.EmbeddedEventsOptions),
        typeof(Cx.Embedded.Blobs.LocalBlobOptions),
        typeof(Cx.Azure.EventHubs.EventHubsOptions),
        typeof(Cx.Azure.Cosmos.CosmosOptions),
        typeof(Cx.Azure.Redis.RedisRateLimitOptions),
        typeof(Cx.Azure.Redis.PersonalizationRedisOptions),
        typeof(Cx.Core.Queues.WorkQueueOptions),
        typeof(Cx.Azure.ServiceBus.ServiceBusQueueOptions),
        typeof(Cx.Core.Webhooks.WebhookOptions),
        typeof(Cx.Core.Realtime.RealtimeOptions),
        typeof(Cx.Azure.SignalR.SignalRServiceOptions),
        typeof(Cx.Azure.Redis.RedisSessionOptions),
        typeof(Cx.Http.GraphQL.GraphQLOptions),
        typeof(Cx.Core.Notifications.NotificationOptions),
        typeof(Cx.Core.Profiles.CustomerListCacheOptions),
    ];

    /// <summary>
    /// Options classes left out of the sample on purpose. <see cref="BootstrapOptions"/>
    /// (<c>Cx:Auth:Bootstrap</c>): an optional first admin account whose password is a secret
    /// (a Key Vault reference on Azure); it has no local default worth committing.
    /// <c>BlobServiceClientFactory</c> (<c>Blobs</c>): a connection, read the way the Functions host
    /// reads connections; the sample holds its Azurite value and docs/configuration.md the rest.
    /// </summary>
    private static readonly Type[] ExcludedOptionsTypes = [typeof(BootstrapOptions), typeof(Cx.Azure.Blobs.BlobServiceClientFactory)];

    /// <summary>Provider switches read straight from configuration (<see cref="Providers"/>), with their defaults.</summary>
    private static readonly Dictionary<string, string> ProviderKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        [Providers.StorageKey] = Providers.Storage[0],
        [Providers.KeyProviderKey] = Providers.KeyProviders[0],
        [Providers.StreamKey] = Providers.Stream[0],
        [Providers.AnalyticsKey] = Providers.Analytics[0],
        [Providers.BlobKey] = Providers.Blob[0],
        [Providers.RateLimitsKey] = Providers.RateLimits[0],
        [Providers.PersonalizationCacheKey] = Providers.PersonalizationCache[0],
        [Providers.QueuesKey] = Providers.Queues[0],
        [Providers.RealtimeKey] = Providers.Realtime[0],
        [Providers.SessionsKey] = Providers.Sessions[0],
    };

    /// <summary>
    /// Keys of the sample that nothing binds yet: settings of adapters still being written, whose
    /// names are fixed (infra/ sets them on Azure; docs/configuration.md marks them planned). When
    /// an adapter starts binding one, move it to <see cref="OptionsTypes"/> and remove it here.
    /// </summary>
    private static readonly Dictionary<string, string> InertKeys = new(StringComparer.OrdinalIgnoreCase);

    private static readonly Assembly[] SharedAssemblies =
    [
        typeof(ContentOptions).Assembly,
        typeof(HttpOptions).Assembly,
        typeof(SqliteOptions).Assembly,
        typeof(Providers).Assembly,
        Assembly.Load("Cx.Azure"),
    ];

    private sealed record Setting(string Path, Type Type, object? Default);

    [Fact]
    public void Should_cover_every_options_class_of_the_shared_projects()
    {
        var found = SharedAssemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToList();

        var unknown = found.Except(OptionsTypes).Except(ExcludedOptionsTypes).Select(t => t.FullName);
        Assert.True(
            !unknown.Any(),
            $"Options classes not covered by the sample test: {string.Join(", ", unknown)}. Add each to OptionsTypes (and its settings to local.settings.sample.json) or to ExcludedOptionsTypes with the reason."
        );
        Assert.All(OptionsTypes.Concat(ExcludedOptionsTypes), t => Assert.Contains(t, found));
    }

    [Fact]
    public void Should_have_every_scalar_setting_in_the_sample()
    {
        var sample = ReadSample();

        var missing = ScalarSettings().Select(s => s.Path).Concat(ProviderKeys.Keys).Where(path => !sample.ContainsKey(path)).Distinct();

        Assert.True(!missing.Any(), $"local.settings.sample.json lacks: {string.Join(", ", missing.Select(ToAppSetting))}");
    }

    [Fact]
    public void Should_not_have_Cx_keys_that_nothing_binds()
    {
        var bound = ScalarSettings().Select(s => s.Path).Concat(ProviderKeys.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unbound = ReadSample().Keys.Where(path => !bound.Contains(path) && !InertKeys.ContainsKey(path));

        Assert.True(
            !unbound.Any(),
            $"local.settings.sample.json has settings no options class binds: {string.Join(", ", unbound.Select(ToAppSetting))}. "
                + "Fix the name, remove it, or list it in InertKeys with the reason."
        );
    }

    [Fact]
    public void Should_list_only_inert_keys_that_are_in_the_sample_and_unbound()
    {
        var sample = ReadSample();
        var bound = ScalarSettings().Select(s => s.Path).Concat(ProviderKeys.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.All(
            InertKeys.Keys,
            path => Assert.True(sample.ContainsKey(path), $"{ToAppSetting(path)} is listed as inert but not in the sample")
        );
        Assert.All(
            InertKeys.Keys,
            path => Assert.False(bound.Contains(path), $"{ToAppSetting(path)} is bound now: remove it from InertKeys")
        );
    }

    [Fact]
    public void Should_give_every_setting_its_default_value()
    {
        var sample = ReadSample();
        var settings = ScalarSettings()
            .Concat(ProviderKeys.Select(p => new Setting(p.Key, typeof(string), p.Value)))
            .Where(s => sample.ContainsKey(s.Path));

        var wrong = new List<string>();
        foreach (var setting in settings)
        {
            var text = sample[setting.Path];
            object? value;
            try
            {
                // The configuration binder converts strings with the type's TypeConverter, invariant culture.
                value = TypeDescriptor.GetConverter(setting.Type).ConvertFromInvariantString(text ?? "");
            }
            catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException)
            {
                wrong.Add($"{ToAppSetting(setting.Path)}: '{text}' is not a {setting.Type.Name}");
                continue;
            }
            if (!Equals(value, setting.Default))
            {
                wrong.Add($"{ToAppSetting(setting.Path)}: '{text}', default {Format(setting.Default)}");
            }
        }

        Assert.True(
            wrong.Count == 0,
            $"local.settings.sample.json values that differ from the defaults:{Environment.NewLine}{string.Join(Environment.NewLine, wrong)}"
        );
    }

    /// <summary>
    /// Every scalar property of the covered options classes, recursing into nested option objects
    /// (rate limit rules), with its configuration path and its default from a new instance.
    /// </summary>
    private static IEnumerable<Setting> ScalarSettings() =>
        OptionsTypes.SelectMany(type =>
            Scalars(
                type,
                (string)type.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!,
                Activator.CreateInstance(type)!
            )
        );

    private static IEnumerable<Setting> Scalars(Type type, string prefix, object instance)
    {
        foreach (
            var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
        )
        {
            var path = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = property.GetValue(instance);
            if (IsScalar(propertyType))
            {
                // Optional settings without a default (paths derived from others, connections) are
                // documented in docs/configuration.md; a sample value would change behaviour.
                if (value is not null)
                {
                    yield return new Setting(path, propertyType, value);
                }
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                // Lists: no default in a flat key list; docs/configuration.md shows their format.
                continue;
            }
            else if (propertyType.IsClass && value is not null)
            {
                foreach (var nested in Scalars(propertyType, path, value))
                {
                    yield return nested;
                }
            }
            else
            {
                throw new InvalidOperationException($"{path}: {property.PropertyType} is not handled by this test; teach it.");
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive
        || type.IsEnum
        || type == typeof(string)
        || type == typeof(decimal)
        || type == typeof(TimeSpan)
        || type == typeof(Uri);

    /// <summary>The sample's <c>Cx__</c> settings as configuration paths (<c>Cx:Auth:Issuer</c>) with their values.</summary>
    private static Dictionary<string, string?> ReadSample()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "local.settings.sample.json")));
        return document
            .RootElement.GetProperty("Values")
            .EnumerateObject()
            .Where(p => p.Name.StartsWith("Cx__", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(
                p => p.Name.Replace("__", ":", StringComparison.Ordinal),
                p => p.Value.GetString(),
                StringComparer.OrdinalIgnoreCase
            );
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Functions.sln above {AppContext.BaseDirectory}");
    }

    private static string ToAppSetting(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    private static string Format(object? value) =>
        value switch
        {
            null => "null",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => $"'{value}'",
        };
}
