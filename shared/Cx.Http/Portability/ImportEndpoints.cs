using System.Diagnostics;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Cx.Http.Content;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Portability;

/// <summary>
/// Imports of customers and of the entries of any collection type from NDJSON or CSV. The body
/// is read as a stream within <see cref="PortabilityOptions.ImportMaxBytes"/> (413 beyond it);
/// every row of the chunk is validated before any is written, and a file with a bad row answers
/// 400 <c>import-rejected</c> listing each error with its line and JSON Pointer.
/// </summary>
public sealed class ImportEndpoints(ImportService imports, EntryEndpoints entries, IOptions<PortabilityOptions> options)
{
    public const string Ndjson = "application/x-ndjson";

    public const string Csv = "text/csv";

    private static readonly string[] MediaTypes = [Ndjson, Csv];

    public Task<IResult> ImportCustomersAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ImportAsync(request, CustomerProfile.TypeKey, cancellationToken);

    public async Task<IResult> ImportEntriesAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await ImportAsync(request, typeKey, cancellationToken);
    }

    private async Task<IResult> ImportAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        var from = ReadFrom(request);
        RequestBody.CheckMediaType(request, MediaTypes);
        var settings = options.Value;
        if (request.ContentLength > settings.ImportMaxBytes)
        {
            throw new PayloadTooLargeException(settings.ImportMaxBytes);
        }
        var schema = await imports.GetTypeAsync(typeKey, cancellationToken);
        var csv = request.ContentType!.Split(';')[0].Trim().Equals(Csv, StringComparison.OrdinalIgnoreCase);
        await using var body = new LimitedStream(request.Body, settings.ImportMaxBytes);
        var rows = csv
            ? ImportReader.ReadCsvAsync(body, schema, from, settings.ImportMaxRowBytes, cancellationToken)
            : ImportReader.ReadNdjsonAsync(body, from, settings.ImportMaxRowBytes, cancellationToken);
        try
        {
            var summary = await imports.ImportAsync(schema, rows, cancellationToken);
            return new Responses.JsonContractResult<ImportResponse>(
                new ImportResponse(summary.Created, summary.Updated, summary.NextFrom),
                ImportJsonContext.Default.ImportResponse
            );
        }
        catch (ImportRejectedException e)
        {
            return new ImportProblemResult(e);
        }
    }

    private static long ReadFrom(HttpRequest request)
    {
        var errors = new List<FieldError>();
        long from = 1;
        foreach (var (name, values) in request.Query)
        {
            if (name != "from")
            {
                errors.Add(new(name, "unknown-parameter", "Imports take only from.", ErrorLocation.Query));
            }
            else if (values.Count != 1 || !long.TryParse(values[0], System.Globalization.NumberStyles.None, null, out from) || from < 1)
            {
                errors.Add(new("from", "value", "from is a line number, 1 or more.", ErrorLocation.Query));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        return from;
    }
}

/// <summary>The answer of an import: rows created and updated, and the line the next chunk starts at (null when the file is done).</summary>
public sealed record ImportResponse(int Created, int Updated, long? NextFrom);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ImportResponse))]
internal sealed partial class ImportJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>400 problem+json for a rejected import: each error names its line and a JSON Pointer into that row.</summary>
internal sealed class ImportProblemResult(ImportRejectedException rejection) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = ProblemMapper.ContentType;
        Security.SecurityHeaders.Apply(response);
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Problem.TypePrefix + rejection.Code);
            writer.WriteString("title", "Import rejected");
            writer.WriteNumber("status", 400);
            writer.WriteString("detail", rejection.Message);
            writer.WriteString("instance", httpContext.Request.Path);
            writer.WriteString("code", rejection.Code);
            writer.WriteBoolean("truncated", rejection.Truncated);
            writer.WriteStartArray("errors");
            foreach (var error in rejection.Errors)
            {
                writer.WriteStartObject();
                writer.WriteNumber("line", error.Line);
                writer.WriteString("pointer", error.Pointer);
                writer.WriteString("code", error.Code);
                writer.WriteString("detail", error.Detail);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteString("traceId", Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier);
            writer.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>A read-only view of the request body that throws 413 once more than the limit has been read.</summary>
internal sealed class LimitedStream(Stream inner, long limit) : Stream
{
    private long read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        read += n;
        if (read > limit)
        {
            throw new PayloadTooLargeException(limit);
        }
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
