using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Http.Problems;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Cx.DevHost;

/// <summary>
/// Gives the requests Kestrel rejects before any middleware runs (an encoded NUL in the path, a
/// malformed request line or header) the same problem+json body as every other error, instead
/// of Kestrel's empty 400. Kestrel offers no hook for that answer (ADR 0011): it reports the
/// rejection on the <c>Microsoft.AspNetCore.Server.Kestrel.BadRequest</c> diagnostic event just
/// before it writes its bodiless response, and a connection middleware swaps that response for
/// the problem. Other responses pass through untouched.
/// </summary>
public sealed class KestrelRejections(TimeProvider time) : IObserver<KeyValuePair<string, object?>>
{
    public const string BadRequestEvent = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    private readonly ConcurrentDictionary<string, RejectionWriter> _connections = new(StringComparer.Ordinal);

    /// <summary>Wraps each HTTP/1.x connection's output so a rejection can be answered with a problem.</summary>
    public void Configure(KestrelServerOptions options) =>
        options.ConfigureEndpointDefaults(listen =>
            listen.Use(next =>
                async connection =>
                {
                    var writer = new RejectionWriter(connection.Transport.Output);
                    connection.Transport = new DuplexPipe(connection.Transport.Input, writer);
                    _connections[connection.ConnectionId] = writer;
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        _connections.TryRemove(connection.ConnectionId, out _);
                    }
                }
            )
        );

    /// <summary>Subscribes to Kestrel's rejection event on the host's diagnostic listener.</summary>
    public IDisposable Observe(DiagnosticListener listener) => listener.Subscribe(this, name => name == BadRequestEvent);

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (
            value.Key != BadRequestEvent
            || value.Value is not IFeatureCollection features
            || features.Get<IHttpConnectionFeature>()?.ConnectionId is not { } connectionId
            || !_connections.TryGetValue(connectionId, out var writer)
        )
        {
            return;
        }
        var rejection = features.Get<IBadRequestExceptionFeature>()?.Error as Microsoft.AspNetCore.Http.BadHttpRequestException;
        var target = features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var traceId = features.Get<IHttpRequestIdentifierFeature>()?.TraceIdentifier ?? connectionId;
        writer.Replace(Response(ProblemMapper.MapRejection(rejection), target, traceId));
    }

    public void OnError(Exception error) { }

    public void OnCompleted() { }

    /// <summary>A complete HTTP/1.1 response carrying the problem; the connection closes after it, as Kestrel's would.</summary>
    private byte[] Response(Problem problem, string target, string traceId)
    {
        var body = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(body, CxJson.WriterOptions))
        {
            // The target is echoed only when it is printable ASCII: it is what Kestrel could not read.
            var instance = target.All(c => c is > ' ' and < '\u007f') ? target : "";
            ProblemMapper.Write(json, problem, instance, traceId);
        }
        var headers = new Microsoft.AspNetCore.Http.DefaultHttpContext().Response;
        SecurityHeaders.Apply(headers);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {problem.Status} {ReasonPhrases.GetReasonPhrase(problem.Status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {ProblemMapper.ContentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.WrittenCount}\r\n")
            .Append("Cache-Control: no-store\r\nConnection: close\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture)}\r\n");
        foreach (var (name, values) in headers.Headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {values}\r\n");
        }
        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body.WrittenSpan];
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>
    /// Passes every write through, until a rejection was reported: then the next write, which is
    /// Kestrel's bodiless answer (it starts with the HTTP/1.x status line), is replaced by the
    /// problem response, and whatever Kestrel writes after it on that connection is dropped.
    /// </summary>
    private sealed class RejectionWriter(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _handedOut;
        private byte[]? _replacement;
        private bool _replaced;

        public void Replace(byte[] response) => _replacement = response;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _handedOut = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_handedOut = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            if (_replacement is { } replacement)
            {
                _replacement = null;
                if (bytes <= _handedOut.Length && _handedOut.Span[..bytes].StartsWith("HTTP/1."u8))
                {
                    _replaced = true;
                    inner.Write(replacement);
                    return;
                }
            }
            if (!_replaced)
            {
                inner.Advance(bytes);
            }
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
