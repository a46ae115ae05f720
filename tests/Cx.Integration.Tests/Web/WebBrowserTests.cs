using System.Text.Json.Nodes;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Web;

/// <summary>
/// The web pages in a real browser: headless Chromium (the system's <c>/usr/bin/chromium</c>,
/// driven by playwright-core from web-pages.mjs) against a DevHost on a real port. The API
/// reference finds an operation of v1 and one of v2 in the documents it loaded; the GraphQL
/// explorer runs a query with the token typed into its field and shows the answer. No request
/// leaves the host and no page logs an error (a CSP violation would). Screenshots are kept under
/// the test output folder (web-screenshots/).
/// </summary>
public sealed class WebBrowserTests : IAsyncLifetime
{
    private const string Script = "tests/Cx.Integration.Tests/Web/web-pages.mjs";

    private readonly string _data = Directory.CreateTempSubdirectory("cx-web-").FullName;
    private DevHostProcess? _host;

    public async Task InitializeAsync() => _host = await DevHostProcess.StartAsync(_data, new Dictionary<string, string>());

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Should_show_both_versions_in_the_reference_and_run_a_query_in_the_explorer()
    {
        var host = _host!;
        var token = host.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        var screenshots = Path.Combine(AppContext.BaseDirectory, "web-screenshots");
        var (exitCode, output, error) = await NodeScript.RunAsync(
            Script,
            [$"http://127.0.0.1:{host.Port}", token, screenshots],
            timeout: TimeSpan.FromMinutes(4)
        );
        Assert.True(exitCode == 0, error);
        var report = JsonNode.Parse(output)!.AsObject();
        Assert.True(report["failure"] is null, report.ToJsonString());
        Assert.Empty(report["foreign"]!.AsArray());
        Assert.Empty(report["errors"]!.AsArray());
        var steps = report["steps"]!;
        Assert.Equal("Check health", steps["reference-v1"]!["found"]!.GetValue<string>());
        Assert.Equal("List customers (v2 envelope)", steps["reference-v2"]!["found"]!.GetValue<string>());
        Assert.Equal(200, steps["reference-v1"]!["status"]!.GetValue<int>());
        var explorer = steps["explorer"]!;
        Assert.Equal(200, explorer["graphqlStatus"]!.GetValue<int>());
        Assert.True(explorer["authorization"]!.GetValue<bool>());
        Assert.Contains("\"__typename\": \"Query\"", explorer["result"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var shot in new[] { "reference-v1.png", "reference-v2.png", "explorer.png" })
        {
            Assert.True(new FileInfo(Path.Combine(screenshots, shot)).Length > 0, shot);
        }
    }
}
