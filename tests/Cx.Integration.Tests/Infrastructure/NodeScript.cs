using System.Diagnostics;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>Runs a Node.js script of this repository (with the repository's node_modules) and captures its output.</summary>
public static class NodeScript
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string relativeScript,
        IEnumerable<string> arguments,
        string? input = null,
        TimeSpan? timeout = null
    )
    {
        var script = Path.Combine(RepoPaths.Root, relativeScript);
        if (!Directory.Exists(RepoPaths.NodeModules))
        {
            throw new InvalidOperationException("node_modules is missing: run `npm ci` in the repository root (scripts/test does).");
        }
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }
}
