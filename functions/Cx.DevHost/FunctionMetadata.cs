using System.Text.Json;

namespace Cx.DevHost;

/// <summary>An HTTP trigger as functions.metadata declares it.</summary>
public sealed record HttpTriggerBinding(string? Route, IReadOnlyList<string>? Methods);

/// <summary>A timer trigger as functions.metadata declares it.</summary>
public sealed record TimerTriggerBinding(string Schedule, bool RunOnStartup);

/// <summary>One function of the app: its name, entry point (<c>Namespace.Type.Method</c>) and trigger.</summary>
public sealed record FunctionDescriptor(
    string Name,
    string EntryPoint,
    string TriggerType,
    HttpTriggerBinding? Http,
    TimerTriggerBinding? Timer
)
{
    public string TypeName => EntryPoint[..EntryPoint.LastIndexOf('.')];

    public string MethodName => EntryPoint[(EntryPoint.LastIndexOf('.') + 1)..];
}

/// <summary>
/// Reads functions.metadata, the file the Functions SDK writes at build time and the Functions
/// host reads at start-up, so the DevHost serves exactly what Azure would.
/// </summary>
public static class FunctionMetadata
{
    public const string FileName = "functions.metadata";

    public static IReadOnlyList<FunctionDescriptor> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{FileName} was not found at {path}. Build functions/Cx.Functions first.", path);
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var functions = new List<FunctionDescriptor>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var name = function.GetProperty("name").GetString()!;
            var entryPoint = function.GetProperty("entryPoint").GetString()!;
            var trigger = function
                .GetProperty("bindings")
                .EnumerateArray()
                .First(b =>
                    b.TryGetProperty("type", out var t) && (t.GetString() ?? "").EndsWith("Trigger", StringComparison.OrdinalIgnoreCase)
                );
            var type = trigger.GetProperty("type").GetString()!;
            HttpTriggerBinding? http = null;
            TimerTriggerBinding? timer = null;
            if (string.Equals(type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
            {
                var route = trigger.TryGetProperty("route", out var r) ? r.GetString() : null;
                List<string>? methods =
                    trigger.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                        ? [.. m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant())]
                        : null;
                http = new HttpTriggerBinding(route, methods);
            }
            else if (string.Equals(type, "timerTrigger", StringComparison.OrdinalIgnoreCase))
            {
                var runOnStartup = trigger.TryGetProperty("runOnStartup", out var s) && s.ValueKind == JsonValueKind.True;
                timer = new TimerTriggerBinding(trigger.GetProperty("schedule").GetString()!, runOnStartup);
            }
            functions.Add(new FunctionDescriptor(name, entryPoint, type, http, timer));
        }
        return functions;
    }

    /// <summary>The route prefix from host.json (<c>extensions.http.routePrefix</c>), "api" by default.</summary>
    public static string ReadRoutePrefix(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            return "api";
        }
        using var document = JsonDocument.Parse(
            File.ReadAllBytes(hostJsonPath),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }
        );
        return
            document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString() ?? ""
            : "api";
    }
}
