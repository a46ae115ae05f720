using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// A real SMTP server (smtp-sink.mjs: npm smtp-server and mailparser) in a node process of its own;
/// what arrived is read back from the JSON lines it writes.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _file;

    private SmtpSink(Process process, string file, int port)
    {
        _process = process;
        _file = file;
        Port = port;
    }

    public int Port { get; }

    public static async Task<SmtpSink> StartAsync(string directory)
    {
        if (!Directory.Exists(RepoPaths.NodeModules))
        {
            throw new InvalidOperationException("node_modules is missing: run `npm ci` in the repository root (scripts/test does).");
        }
        var file = Path.Combine(directory, "smtp-" + Guid.NewGuid().ToString("n") + ".jsonl");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests/Cx.Integration.Tests/Notifications/smtp-sink.mjs"));
        start.ArgumentList.Add(file);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException(
                $"The SMTP sink did not start: {line} {await process.StandardError.ReadToEndAsync(timeout.Token)}"
            );
        }
        return new SmtpSink(process, file, int.Parse(line["listening ".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Every message accepted so far, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Messages()
    {
        if (!File.Exists(_file))
        {
            return [];
        }
        using var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var messages = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            if (line.EndsWith('}'))
            {
                messages.Add(JsonNode.Parse(line)!.AsObject());
            }
        }
        return messages;
    }

    /// <summary>Closes every open SMTP connection, as a server's idle timeout would; returns how many were open.</summary>
    public async Task<int> DropConnectionsAsync()
    {
        await _process.StandardInput.WriteLineAsync("drop");
        await _process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("dropped ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The SMTP sink did not drop its connections: {line}");
        }
        return int.Parse(line["dropped ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>The messages sent to <paramref name="address"/>.</summary>
    public IReadOnlyList<JsonObject> To(string address) =>
        [.. Messages().Where(m => m["to"]!.AsArray().Any(t => t!.GetValue<string>() == address))];

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
    }
}
