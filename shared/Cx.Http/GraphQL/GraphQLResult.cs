using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.GraphQL;

/// <summary>Writes a GraphQL execution result (<c>{data, errors}</c>) with the status and media type the transport chose.</summary>
public sealed class GraphQLResult(ExecutionResult result, int status, string mediaType, int storeRoundTrips) : IResult
{
    private static readonly GraphQLSerializer Serializer = new(
        new ErrorInfoProvider(
            new ErrorInfoProviderOptions
            {
                ExposeCodes = false,
                ExposeExceptionDetails = false,
                ExposeData = true,
            }
        )
    );

    public ExecutionResult Result { get; } = result;

    /// <summary>Batched reads of the store made by the loaders of this request.</summary>
    public int StoreRoundTrips { get; } = storeRoundTrips;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = mediaType + "; charset=utf-8";
        await Serializer.WriteAsync(httpContext.Response.Body, Result, httpContext.RequestAborted);
    }
}
