using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cx.DevHost;

/// <summary>
/// The DevHost's own options; everything else is passed to ASP.NET Core configuration.
/// <list type="bullet">
/// <item><c>--seed-demo[=N]</c>: load a demo data set (N customers, 250 by default) before serving.</item>
/// <item><c>--settings PATH</c>: the local.settings.json to read (default: next to the binaries).</item>
/// <item><c>--port N</c>: listen on 127.0.0.1:N (default 7071, as <c>func start</c>).</item>
/// <item><c>restore SNAPSHOT</c>: load a snapshot into the empty configured store instead of serving (RestoreCommand).</item>
/// </list>
/// </summary>
public sealed record DevHostCommandLine(int? SeedDemo, string? SettingsPath, int Port, string[] Remaining)
{
    /// <summary>A sub-command (<c>token</c>, <c>audit</c>, <c>restore</c>) instead of serving, and its arguments.</summary>
    public string? Command { get; init; }

    public string[] CommandArguments { get; init; } = [];

    public const int DefaultPort = 7071;

    public const int DefaultDemoCustomers = 250;

    public static DevHostCommandLine Parse(string[] args)
    {
        if (args.Length > 0 && args[0] is "token" or "audit" or "restore")
        {
            var rest = new List<string>();
            string? settingsPath = null;
            for (var i = 1; i < args.Length; i++)
            {
                if (args[i] == "--settings" && i + 1 < args.Length)
                {
                    settingsPath = args[++i];
                }
                else
                {
                    rest.Add(args[i]);
                }
            }
            return new DevHostCommandLine(null, settingsPath, DefaultPort, []) { Command = args[0], CommandArguments = [.. rest] };
        }
        int? seed = null;
        string? settings = null;
        var port = DefaultPort;
        var remaining = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--seed-demo")
            {
                seed = DefaultDemoCustomers;
            }
            else if (arg.StartsWith("--seed-demo=", StringComparison.Ordinal))
            {
                seed = ParseNumber(arg["--seed-demo=".Length..], "--seed-demo", 1, 1_000_000);
            }
            else if (arg == "--settings" && i + 1 < args.Length)
            {
                settings = args[++i];
            }
            else if (arg == "--port" && i + 1 < args.Length)
            {
                port = ParseNumber(args[++i], "--port", 1, 65535);
            }
            else
            {
                remaining.Add(arg);
            }
        }
        return new DevHostCommandLine(seed, settings, port, [.. remaining]);
    }

    /// <summary>Whether nothing listens on 127.0.0.1:<paramref name="port"/> yet.</summary>
    public static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }

    /// <summary>The one line the DevHost prints when its port is taken.</summary>
    public static string PortTaken(int port) =>
        $"Port {port} on 127.0.0.1 is already in use: stop what listens there, or choose another port with --port N.";

    private static int ParseNumber(string text, string option, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{option} takes a number from {min} to {max}.");
}
