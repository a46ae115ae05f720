using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// The built DevHost as a real child process (<c>dotnet Cx.DevHost.dll --port N</c>) with its
/// own data folder, so a test can kill it with SIGKILL and start it again on the same files.
/// </summary>
public sealed class DevHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private DevHostProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/v1/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The Cx.DevHost.dll of the same build configuration as the tests.</summary>
    public static string DevHostDll()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{Configuration}/net10.0
        var path = Path.Combine(RepoPaths.Root, "functions", "Cx.DevHost", "bin", configuration, "net10.0", "Cx.DevHost.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build the solution ({configuration}) before running this test.");
    }

    private static readonly HashSet<int> Claimed = [];

    /// <summary>
    /// A free loopback port among those reserved for test child processes (7110-7119), not handed
    /// to another caller in this test run that still holds it: test classes run in parallel, and two
    /// of them probing the same free port at once would start two DevHosts on it, one test then
    /// talking to the other's host (different signing keys: 401). Disposing a host gives its port back.
    /// </summary>
    public static int FreePort()
    {
        lock (Claimed)
        {
            foreach (var honourClaims in new[] { true, false })
            {
                for (var port = 7110; port <= 7119; port++)
                {
                    if (honourClaims && Claimed.Contains(port))
                    {
                        continue;
                    }
                    try
                    {
                        using var listener = new TcpListener(IPAddress.Loopback, port);
                        listener.Start();
                        listener.Stop();
                        Claimed.Add(port);
                        return port;
                    }
                    catch (SocketException)
                    {
                        // in use: try the next one
                    }
                }
            }
        }
        throw new InvalidOperationException("No free port in 7110-7119 for a DevHost child process.");
    }

    private static void ReleasePort(int port)
    {
        lock (Claimed)
        {
            Claimed.Remove(port);
        }
    }

    public static async Task<DevHostProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(DevHostDll());
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment["Cx__Storage__Sqlite__Path"] = Path.Combine(dataDirectory, "cx.db");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var token = await IssueAdminTokenAsync(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The DevHost did not start.");
        var host = new DevHostProcess(process, port);
        host.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The DevHost exited with {process.ExitCode}: {host.Output}");
            }
            try
            {
                using var response = await host.Client.GetAsync("health", timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>
    /// An admin token from the DevHost's own documented command (<c>token --role admin</c>), run
    /// with the same working directory and settings, so it is signed with the same local key.
    /// </summary>
    private static async Task<string> IssueAdminTokenAsync(ProcessStartInfo host)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = host.WorkingDirectory,
        };
        foreach (var (key, value) in host.Environment)
        {
            start.Environment[key] = value;
        }
        start.ArgumentList.Add(DevHostDll());
        start.ArgumentList.Add("token");
        start.ArgumentList.Add("--role");
        start.ArgumentList.Add("admin");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The token command did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return process.ExitCode == 0 && lines.Length > 0
            ? lines[^1]
            : throw new InvalidOperationException($"token --role admin exited with {process.ExitCode}: {await stderr}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; what is not committed is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Client.Dispose();
        _process.Dispose();
        ReleasePort(Port);
    }
}
