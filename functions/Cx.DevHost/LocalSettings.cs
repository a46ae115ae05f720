using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Cx.DevHost;

/// <summary>
/// local.settings.json the way the Functions host reads it: <c>Values</c> become settings
/// (<c>Cx__Storage__Provider</c> is <c>Cx:Storage:Provider</c>), <c>ConnectionStrings</c>
/// become connection strings, and environment variables win over both.
/// </summary>
public sealed class LocalSettingsSource(string path) : ConfigurationProvider, IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(Path))
        {
            using var document = JsonDocument.Parse(
                File.ReadAllBytes(Path),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }
            );
            if (document.RootElement.TryGetProperty("Values", out var values))
            {
                foreach (var value in values.EnumerateObject())
                {
                    data[value.Name.Replace("__", ":", StringComparison.Ordinal)] = Text(value.Value);
                }
            }
            if (document.RootElement.TryGetProperty("ConnectionStrings", out var connections))
            {
                foreach (var connection in connections.EnumerateObject())
                {
                    data["ConnectionStrings:" + connection.Name] = Text(connection.Value);
                }
            }
        }
        Data = data;
    }

    private static string? Text(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        };
}

public static class LocalSettingsExtensions
{
    /// <summary>Adds local.settings.json below the environment variables (which keep precedence).</summary>
    public static IConfigurationBuilder AddFunctionsLocalSettings(this IConfigurationManager configuration, string path)
    {
        var sources = configuration.Sources;
        var index = sources
            .ToList()
            .FindIndex(s =>
                s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource { Prefix: null or "" }
            );
        var source = new LocalSettingsSource(path);
        if (index < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(index, source);
        }
        return configuration;
    }
}
