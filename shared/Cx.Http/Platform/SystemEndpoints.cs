using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Http.Requests;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Platform;

/// <summary>Liveness and readiness: answers 200 once storage and the definitions are reachable.</summary>
public sealed class SystemEndpoints(ContentTypeRegistry registry, TimeProvider time)
{
    public async Task<IResult> HealthAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await registry.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
        return Results.Json(new HealthReport("healthy", time.GetUtcNow()), HttpJsonContext.Default.HealthReport);
    }
}

public sealed record HealthReport(string Status, DateTimeOffset CheckedAt);

[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase
)]
public sealed partial class HttpJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
