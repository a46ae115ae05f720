using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks.Load;

/// <summary>
/// The reference of the customer load benchmark: bare Kestrel answering every GET with one fixed
/// 500-byte JSON document (no routing, auth, rate limit or store), so a run can report the API's
/// throughput and p99 as ratios to what this machine's Kestrel and load client reach at best.
/// </summary>
public static class BareKestrel
{
    /// <summary>The fixed body: a customer-like JSON object padded to exactly 500 UTF-8 bytes.</summary>
    public static readonly byte[] Document = BuildDocument();

    public static async Task<int> RunAsync(string[] args)
    {
        var port = 7180;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            port = args[i] switch
            {
                "--port" => int.Parse(args[i + 1], CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = Document.Length;
            return context.Response.Body.WriteAsync(Document, 0, Document.Length, context.RequestAborted);
        });
        Console.WriteLine($"bare Kestrel on http://127.0.0.1:{port} ({Document.Length} bytes per answer)");
        await app.RunAsync();
        return 0;
    }

    private static byte[] BuildDocument()
    {
        const string head =
            "{\"id\":\"bench-000001\",\"type\":\"customer\",\"email\":\"bench1@example.com\",\"name\":\"Reference Customer\","
            + "\"loyaltyTier\":\"gold\",\"lastLogin\":\"2026-12-01T10:00:00.0000000+00:00\","
            + "\"preferences\":{\"language\":\"en\",\"newsletter\":true},\"note\":\"";
        const string tail = "\"}";
        var padding = 500 - Encoding.UTF8.GetByteCount(head) - tail.Length;
        return Encoding.UTF8.GetBytes(head + new string('x', padding) + tail);
    }
}
