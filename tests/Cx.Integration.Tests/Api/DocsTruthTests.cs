using System.Text.RegularExpressions;
using Cx.DevHost;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

/// <summary>
/// The README and the docs claim only what exists: every API path they call is a route of
/// functions.metadata (with that method when one is given), and every repository path they name
/// is a file or folder of the repository.
/// </summary>
public sealed partial class DocsTruthTests
{
    private static readonly IReadOnlyList<FunctionDescriptor> Metadata = FunctionMetadata.Load(
        Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName)
    );

    public static TheoryData<string> Documents()
    {
        var root = RepoPaths.Root;
        var files = new[] { "README.md" }
            .Concat(
                Directory
                    .GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(root, f))
            )
            .Concat(
                new[] { "shared", "functions", "tests" }
                    .SelectMany(d =>
                        Directory.GetDirectories(Path.Combine(root, d)).Select(p => Path.Combine(p, "README.md")).Where(File.Exists)
                    )
                    .Select(f => Path.GetRelativePath(root, f))
            );
        var data = new TheoryData<string>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            data.Add(file.Replace('\\', '/'));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Should_call_only_routes_that_exist(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, document));
        var missing = new List<string>();
        foreach (System.Text.RegularExpressions.Match match in ApiCall().Matches(text))
        {
            var method = match.Groups["method"].Success ? match.Groups["method"].Value : null;
            var path = match.Groups["path"].Value.Split('?', 2)[0].TrimEnd('.', ',', ';', ':');
            var isPrefix = match.Index >= 5 && text.AsSpan(match.Index - 5, 5).SequenceEqual("Path=");
            if (
                path.Length == 0
                || (isPrefix && Metadata.Any(f => f.Http?.Route?.StartsWith("v1/" + path + "/", StringComparison.Ordinal) == true))
            )
            {
                continue; // "/api/v1/..." in prose, or a cookie path that prefixes routes
            }
            if (
                !Metadata.Any(f =>
                    f.Http is { } http
                    && Matches(http.Route!, path)
                    && (method is null || http.Methods!.Contains(method, StringComparer.OrdinalIgnoreCase))
                )
            )
            {
                missing.Add($"{method} /api/v1/{path}".Trim());
            }
        }
        Assert.True(missing.Count == 0, $"{document} calls routes that do not exist: {string.Join(", ", missing.Distinct())}");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Should_name_only_repository_paths_that_exist(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, document));
        var missing = RepoPath()
            .Matches(text)
            .Select(m => m.Groups["path"].Value.TrimEnd('/'))
            .Where(p => !p.Contains('*', StringComparison.Ordinal) && !p.Contains('<', StringComparison.Ordinal))
            // Files that a developer creates, never committed.
            .Where(p => !p.EndsWith("local.settings.json", StringComparison.Ordinal))
            .Where(p => !File.Exists(Path.Combine(RepoPaths.Root, p)) && !Directory.Exists(Path.Combine(RepoPaths.Root, p)))
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"{document} names paths that do not exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Should_find_the_walkthrough_calls() =>
        Assert.True(ApiCall().Count(File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"))) >= 20);

    /// <summary>A route template matches a concrete path segment by segment; {parameters} match any segment.</summary>
    private static bool Matches(string template, string path)
    {
        var expected = template.Split('/');
        var actual = ("v1/" + path).Split('/');
        return expected.Length == actual.Length
            && expected.Zip(actual).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.Ordinal));
    }

    // "$API/customers/ana", "GET /api/v1/customers/{id}", "POST `/api/v1/accounts`".
    [GeneratedRegex(
        @"(?:(?<method>GET|POST|PUT|PATCH|DELETE)\s+`?)?(?:\$API|/api/v1)/(?<path>[A-Za-z0-9_.{}\-/$]+[A-Za-z0-9_}\-.]|[A-Za-z0-9_\-]+)(?=[?\s`""')\]]|$)"
    )]
    private static partial Regex ApiCall();

    [GeneratedRegex(@"`(?<path>(?:shared|functions|tests|docs|infra|scripts)/[^`\s]+)`")]
    private static partial Regex RepoPath();
}
