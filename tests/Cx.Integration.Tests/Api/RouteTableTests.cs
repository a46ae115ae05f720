using System.Reflection;
using Cx.DevHost;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Api;

/// <summary>
/// The DevHost serves exactly the HTTP functions that functions.metadata declares (what the
/// Functions host reads in Azure), and functions.metadata matches the [Function] attributes.
/// </summary>
public sealed class RouteTableTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private static readonly IReadOnlyList<FunctionDescriptor> Metadata = FunctionMetadata.Load(
        Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName)
    );

    private static IEnumerable<string> MetadataRoutes() =>
        Metadata.Where(f => f.Http is not null).SelectMany(f => f.Http!.Methods!.Select(m => $"{m} /api/{f.Http.Route} {f.Name}"));

    [Fact]
    public void Should_serve_exactly_the_http_functions_of_functions_metadata()
    {
        host.CreateApiClient();
        var served = host
            .Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IRouteNameMetadata>() is not null)
            .SelectMany(e =>
                e.Metadata.GetMetadata<HttpMethodMetadata>()!
                    .HttpMethods.Select(m =>
                        $"{m} /{e.RoutePattern.RawText!.TrimStart('/')} {e.Metadata.GetMetadata<IRouteNameMetadata>()!.RouteName}"
                    )
            )
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(served.Count >= 25, $"Only {served.Count} routes are served.");
        Assert.Equal(MetadataRoutes().Order(StringComparer.Ordinal).ToList(), served);
    }

    [Fact]
    public void Should_match_functions_metadata_to_the_function_attributes()
    {
        var fromAttributes = typeof(Cx.Functions.ProblemDetailsMiddleware)
            .Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x =>
            {
                var trigger = x
                    .Method.GetParameters()
                    .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
                    .FirstOrDefault(a => a is not null);
                return trigger is null
                    ? $"timer {x.Function!.Name}"
                    : string.Join(";", trigger.Methods!.Select(m => $"{m.ToUpperInvariant()} /api/{trigger.Route} {x.Function!.Name}"));
            })
            .SelectMany(s => s.Split(';'))
            .Where(s => !s.StartsWith("timer", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(fromAttributes, MetadataRoutes().Order(StringComparer.Ordinal).ToList());
        Assert.Contains(Metadata, f => f.Timer is not null);
    }

    [Fact]
    public void Should_use_the_same_route_prefix_as_the_route_constants() =>
        Assert.Equal(Cx.Http.ApiRoutes.Prefix, FunctionMetadata.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json")));
}
