using System.Diagnostics;
using System.Text;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// One long-running `node cosmos-query.js` (the protocol server's Cosmos SQL engine), shared by
/// the Cosmos contract classes: a JSON request per line in, a JSON response per line out.
/// </summary>
public sealed class CosmosQueryEngine : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;

    /// <summary>Sends one request (single-line JSON) and returns the engine's one-line JSON answer.</summary>
    public async Task<string> RunAsync(string request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var process = _process ??= Start();
            await process.StandardInput.WriteLineAsync(request.AsMemory(), cancellationToken);
            await process.StandardInput.FlushAsync(cancellationToken);
            return await process.StandardOutput.ReadLineAsync(cancellationToken)
                ?? throw new InvalidOperationException(
                    $"cosmos-query.js exited: {await process.StandardError.ReadToEndAsync(cancellationToken)}"
                );
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            process.StandardInput.Close();
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            process.Dispose();
        }
        _gate.Dispose();
    }

    private static Process Start()
    {
        RepoPaths.NodePackageFile("@zeit/cosmosdb-query", "lib/index.js");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(CosmosServerFixture.ScriptPath("cosmos-query.js"));
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
    }
}
