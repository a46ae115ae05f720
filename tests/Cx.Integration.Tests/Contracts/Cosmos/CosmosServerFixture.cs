using System.Diagnostics;
using System.Globalization;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// A real Cosmos DB protocol server (@vercel/cosmosdb-server from the repository's
/// node_modules) on a free loopback port, shared by the Cosmos contract classes and killed when
/// they are done. Without `npm ci` the tests fail here, naming the missing package.
/// </summary>
public sealed class CosmosServerFixture : IAsyncLifetime
{
    /// <summary>The emulator's published well-known key; the protocol server accepts any key.</summary>
    public const string WellKnownKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _errors = new();
    private Process? _process;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The server's Cosmos SQL engine in a node process of its own, for queries the server cannot serve.</summary>
    public CosmosQueryEngine QueryEngine { get; } = new();

    public string ConnectionString => $"AccountEndpoint={Endpoint};AccountKey={WellKnownKey};";

    public static string ScriptPath(string name) =>
        Path.Combine(RepoPaths.Root, "tests", "Cx.Integration.Tests", "Contracts", "Cosmos", name);

    public async Task InitializeAsync()
    {
        RepoPaths.NodePackageFile("@vercel/cosmosdb-server", "lib/index.js");
        RepoPaths.NodePackageFile("@zeit/cosmosdb-query", "lib/index.js");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath("cosmos-server.js"));
        start.ArgumentList.Add("0");
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true)
            {
                _port.TrySetResult(int.Parse(e.Data["listening ".Length..], CultureInfo.InvariantCulture));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
            _port.TrySetException(new InvalidOperationException($"The Cosmos DB protocol server exited: {Errors}"));
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        int port;
        try
        {
            port = await _port.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The Cosmos DB protocol server did not start within {StartTimeout}: {Errors}");
        }
        Endpoint = new Uri($"https://127.0.0.1:{port}/");
        await WaitUntilAnsweringAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await QueryEngine.DisposeAsync();
        if (_process is null)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Polls the account endpoint until the server answers (it prints before it is fully ready on slow machines).</summary>
    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var handler = new HttpClientHandler
        {
            // Test-only: the protocol server's self-signed certificate, on loopback.
            ServerCertificateCustomValidationCallback = (request, _, _, _) => request.RequestUri is { IsLoopback: true },
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(Endpoint, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The Cosmos DB protocol server at {Endpoint} did not answer: {Errors}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosServerCollection : ICollectionFixture<CosmosServerFixture>
{
    public const string Name = "cosmos-server";
}
