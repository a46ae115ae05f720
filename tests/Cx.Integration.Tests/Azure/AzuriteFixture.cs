using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Azure;

/// <summary>
/// A real Azurite blob service (npm <c>azurite</c>, in memory) on a free loopback port for the
/// test class. Fails clearly when the npm package is missing: these tests never skip.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account key (public, emulator only).</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private readonly System.Text.StringBuilder _output = new();

    public string ConnectionString { get; private set; } = "";

    public BlobServiceClient Service { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var script = RepoPaths.NodePackageFile("azurite", Path.Combine("dist", "src", "blob", "main.js"));
        var port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in (string[])
                [
                    script,
                    "--inMemoryPersistence",
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--skipApiVersionCheck",
                    "--loose",
                    "--disableTelemetry",
                ]
        )
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start Azurite.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        Service = new BlobServiceClient(ConnectionString);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {_output}");
            }
            try
            {
                await Service.GetPropertiesAsync(timeout.Token);
                return;
            }
            catch (Exception ex)
                when (ex is global::Azure.RequestFailedException or HttpRequestException
                    || ex.InnerException is HttpRequestException or SocketException
                )
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
