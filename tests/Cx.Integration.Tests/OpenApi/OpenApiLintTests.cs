using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>An independent check of the live document: Redocly CLI's linter (npm, run offline) finds no problem.</summary>
public sealed class OpenApiLintTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    [Fact]
    public async Task Should_pass_the_redocly_linter_with_a_component_zone_and_relation_type_defined()
    {
        await _client
            .PostAsync(
                "components",
                HttpAssertions.Json("""{"key":"slide","displayName":"Slide","fields":[{"name":"image","type":"string"}]}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    """{"key":"gallery","displayName":"Gallery","fields":[{"name":"slides","type":"dynamicZone","components":["slide"],"maxItems":20},{"name":"curator","type":"relation","target":"customer"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        foreach (var version in Cx.Http.Versioning.ApiVersions.All)
        {
            var document = await (
                await _client.GetAsync($"/api/{version}/openapi.json").ShouldBeAsync(HttpStatusCode.OK)
            ).Content.ReadAsStringAsync();
            var file = Path.Combine(host.DataDirectory, $"openapi-{version}.json");
            await File.WriteAllTextAsync(file, document);

            var (exitCode, report, log) = await LintAsync(file);

            using var parsed = JsonDocument.Parse(report);
            var totals = parsed.RootElement.GetProperty("totals");
            Assert.True(
                exitCode == 0 && totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
                $"redocly lint found problems in the {version} document (exit {exitCode}):\n{report}\n{log}"
            );
        }
    }

    /// <summary>Runs <c>redocly lint</c>: the JSON report on standard output, notices on standard error.</summary>
    private static async Task<(int ExitCode, string Report, string Log)> LintAsync(string file)
    {
        var cli = RepoPaths.NodePackageFile("@redocly/cli", Path.Combine("bin", "cli.js"));
        var config = Path.Combine(RepoPaths.Root, "tests", "Cx.Integration.Tests", "OpenApi", "redocly.yaml");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { cli, "lint", file, "--config", config, "--format", "json" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(file)!,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
