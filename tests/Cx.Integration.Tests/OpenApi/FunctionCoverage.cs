using System.Text.RegularExpressions;
using Cx.DevHost;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>
/// Holds the HTTP functions of functions.metadata (what Azure and the DevHost serve) and the
/// operations of the OpenAPI document one-to-one: same path, same method, operationId equal
/// to the function name.
/// </summary>
public static partial class FunctionCoverage
{
    [GeneratedRegex(@"\{\*{0,2}([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*)?\??\}", RegexOptions.CultureInvariant)]
    private static partial Regex RouteParameter();

    /// <summary>The functions.metadata the build wrote next to the test binaries.</summary>
    public static IReadOnlyList<FunctionDescriptor> LoadFunctions() =>
        FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName));

    public static string LoadRoutePrefix() => FunctionMetadata.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json"));

    /// <summary>The document path of a function route: prefix added, constraints and optional marks dropped.</summary>
    public static string PathOf(string route, string prefix) =>
        "/" + string.Join("/", new[] { prefix, RouteParameter().Replace(route.Trim('/'), "{$1}") }.Where(p => p.Length > 0));

    /// <summary>Every mismatch between the functions and the operations; empty when they agree.</summary>
    public static IReadOnlyList<string> Compare(
        IEnumerable<FunctionDescriptor> functions,
        IEnumerable<(string Method, string Path, string? OperationId)> operations,
        string prefix
    )
    {
        var problems = new List<string>();
        var documented = operations.ToList();
        var expected = new List<(string Method, string Path, string Name)>();
        foreach (var function in functions.Where(f => f.Http is not null))
        {
            if (function.Http!.Methods is not { Count: > 0 } methods)
            {
                problems.Add($"{function.Name} accepts every method; declare its methods so the document can describe them.");
                continue;
            }
            var path = PathOf(function.Http.Route ?? function.Name, prefix);
            expected.AddRange(methods.Select(m => (m.ToUpperInvariant(), path, function.Name)));
        }
        foreach (var (method, path, name) in expected)
        {
            var matches = documented.Where(o => o.Method == method && o.Path == path).ToList();
            if (matches.Count == 0)
            {
                problems.Add(
                    $"{name} ({method} {path}) has no operation in the OpenAPI document: add a catalog entry next to its route constant."
                );
            }
            else if (matches.Count > 1)
            {
                problems.Add($"{method} {path} has {matches.Count} operations in the document.");
            }
            else if (matches[0].OperationId != name)
            {
                problems.Add($"{method} {path} is documented as operationId '{matches[0].OperationId}', but the function is {name}.");
            }
        }
        foreach (var operation in documented)
        {
            if (!expected.Any(e => e.Method == operation.Method && e.Path == operation.Path))
            {
                problems.Add($"The document has {operation.OperationId} ({operation.Method} {operation.Path}), but no function serves it.");
            }
        }
        problems.AddRange(
            documented
                .GroupBy(o => o.OperationId, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"The operationId '{g.Key}' is used {g.Count()} times.")
        );
        return problems;
    }
}
