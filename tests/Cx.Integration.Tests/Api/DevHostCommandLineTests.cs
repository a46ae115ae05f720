using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cx.Integration.Tests.Events;

namespace Cx.Integration.Tests.Api;

/// <summary>The DevHost as a user starts it: mistakes on its command line end in one clear line and a non-zero exit.</summary>
public sealed class DevHostCommandLineTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-cli-tests", Guid.NewGuid().ToString("n"));

    public DevHostCommandLineTests() => Directory.CreateDirectory(_data);

    [Fact]
    public async Task Should_exit_with_one_line_naming_the_port_when_it_is_taken()
    {
        var port = DevHostProcess.FreePort();
        using var holder = new TcpListener(IPAddress.Loopback, port);
        holder.Start();

        var (exitCode, lines) = await RunAsync("--port", port.ToString(CultureInfo.InvariantCulture));

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(lines);
        Assert.Contains(port.ToString(CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.Contains("--port", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999")]
    [InlineData("http")]
    public async Task Should_exit_with_one_line_when_the_port_is_not_a_port(string value)
    {
        var (exitCode, lines) = await RunAsync("--port", value);

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(lines);
        Assert.Contains("--port", line, StringComparison.Ordinal);
    }

    /// <summary>Runs the DevHost to its end; returns its exit code and every non-empty line it wrote (stdout and stderr).</summary>
    private async Task<(int ExitCode, List<string> Lines)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _data,
        };
        start.ArgumentList.Add(DevHostProcess.DevHostDll());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["Cx__Storage__Sqlite__Path"] = Path.Combine(_data, "cx.db");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The DevHost did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The DevHost was still running after 60 s: {await stdout}{await stderr}");
        }
        var lines = (await stdout + "\n" + await stderr)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();
        return (process.ExitCode, lines);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp folder is cleaned eventually.
        }
    }
}
