using System.IO.Compression;
using System.Runtime.CompilerServices;
using Cx.Core.Common;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Cx.Http.Content;
using Cx.Http.Paging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Cx.Http.Portability;

/// <summary>
/// Exports of customers and of the entries of any collection type. Everything that can be
/// wrong with the request (format, filters, after, compress) is a 400 naming the parameter
/// before the first byte is written; the body then streams page by page.
/// </summary>
public sealed class ExportEndpoints(ExportService exports, EntryEndpoints entries, IOptions<PortabilityOptions> options)
{
    private static readonly string[] OwnParameters = ["format", "after", "compress"];

    public Task<IResult> ExportCustomersAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ExportAsync(request, CustomerProfile.TypeKey, "customers", cancellationToken);

    public async Task<IResult> ExportEntriesAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await ExportAsync(request, typeKey, typeKey, cancellationToken);
    }

    private async Task<IResult> ExportAsync(HttpRequest request, string typeKey, string fileName, CancellationToken cancellationToken)
    {
        var planned = await PlanAsync(request.Query, AcceptsGzip(request), typeKey, fileName, cancellationToken);
        return new ExportResult(planned.Format, fileName, planned.Gzip, (output, ct) => planned.WriteAsync(output, null, ct));
    }

    /// <summary>Checks the query of an export of <paramref name="typeKey"/> (400 naming the parameter) and plans it.</summary>
    internal async Task<PlannedExport> PlanAsync(
        IQueryCollection query,
        bool acceptsGzip,
        string typeKey,
        string fileName,
        CancellationToken cancellationToken
    )
    {
        var own = new Dictionary<string, string?>(StringComparer.Ordinal);
        var rest = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        var errors = new List<FieldError>();
        foreach (var (name, values) in query)
        {
            if (OwnParameters.Contains(name, StringComparer.Ordinal))
            {
                if (values.Count != 1)
                {
                    errors.Add(new(name, "repeated", $"'{name}' may appear once.", ErrorLocation.Query));
                }
                own[name] = values[0];
            }
            else if (name is "limit" or "sort" or "fields" or "cursor")
            {
                errors.Add(
                    new(
                        name,
                        "unknown-parameter",
                        "Exports take format, filter[field], filter[field][op], after and compress: they are whole, in id order.",
                        ErrorLocation.Query
                    )
                );
            }
            else
            {
                rest[name] = values;
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var format = ExportFormats.Parse(own.GetValueOrDefault("format"));
        var gzip = own.GetValueOrDefault("compress") switch
        {
            null => acceptsGzip,
            "gzip" => true,
            "none" => false,
            _ => throw new ValidationException(
                [new("compress", "value", "compress is gzip or none.", ErrorLocation.Query)],
                "The query string is not valid."
            ),
        };
        var filters = ListParameters.Parse(new QueryCollection(rest)).Filters;
        var after = own.GetValueOrDefault("after");
        var plan = await exports.PlanAsync(typeKey, filters, after, cancellationToken);
        return new PlannedExport(format, gzip, plan.Columns, "id", after, Rows, options.Value.ParquetRowGroupSize);

        async IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> Rows(string? resumeAfter, [EnumeratorCancellation] CancellationToken ct)
        {
            var resumed = resumeAfter is null ? plan : await exports.PlanAsync(typeKey, filters, resumeAfter, ct);
            await foreach (var page in exports.PagesAsync(resumed, ct))
            {
                yield return [.. page.Select(d => d.Json)];
            }
        }
    }

    internal static bool AcceptsGzip(HttpRequest request) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && e.Quality is not 0);
}

/// <summary>The streamed body of an export: headers first, then the writer straight into the response (through gzip when asked).</summary>
internal sealed class ExportResult(ExportFormat format, string fileName, bool gzip, Func<Stream, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ExportFormats.MediaType(format);
        response.Headers.CacheControl = "no-store";
        response.Headers.Vary = "Accept-Encoding";
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.{ExportFormats.Extension(format)}\"";
        var cancellationToken = httpContext.RequestAborted;
        try
        {
            if (!gzip)
            {
                await write(response.Body, cancellationToken);
                return;
            }
            response.Headers.ContentEncoding = "gzip";
            var compressed = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
            await using (compressed)
            {
                await write(compressed, cancellationToken);
            }
        }
        catch when (response.HasStarted)
        {
            // Part of the file is on its way and a problem can no longer be sent: abort the
            // connection, so the client sees a failed transfer instead of a short file that ends well.
            httpContext.Abort();
            throw;
        }
    }
}

/// <summary>
/// An export checked and ready to run: its format and columns, the property of a row that resumes
/// it (<c>id</c> or <c>cursor</c>), and its rows from a resume key on. The streamed exports write it
/// to the response; export jobs write it file by file.
/// </summary>
internal sealed record PlannedExport(
    ExportFormat Format,
    bool Gzip,
    IReadOnlyList<ExportColumn> Columns,
    string ResumeProperty,
    string? After,
    Func<string?, CancellationToken, IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>>> Rows,
    int RowGroupSize
)
{
    /// <summary>Writes every row after <paramref name="resumeAfter"/> (the query's own <c>after</c> when null).</summary>
    public Task WriteAsync(Stream output, string? resumeAfter, CancellationToken cancellationToken) =>
        ExportWriter.WriteAsync(output, Format, Columns, Rows(resumeAfter ?? After, cancellationToken), RowGroupSize, cancellationToken);
}
