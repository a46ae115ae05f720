using System.Reflection;
using Cx.Http.Security;
using Cx.Http.Versioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.DevHost;

/// <summary>Maps every HTTP function of functions.metadata onto Kestrel with its exact route and methods.</summary>
public static class FunctionEndpoints
{
    public static IReadOnlyList<FunctionInvoker> MapHttpFunctions(
        this IEndpointRouteBuilder endpoints,
        IReadOnlyList<FunctionDescriptor> functions,
        Assembly assembly,
        string routePrefix
    )
    {
        var mapped = new List<FunctionInvoker>();
        var gate = endpoints.ServiceProvider.GetRequiredService<RequestGate>();
        foreach (var function in functions.Where(f => f.Http is not null))
        {
            var invoker = FunctionInvoker.Create(function, assembly);
            var access =
                invoker.Method.GetCustomAttribute<AccessAttribute>()
                ?? throw new InvalidOperationException($"{function.Name} declares no access policy ([Access]); refusing to serve it.");
            var route = function.Http!.Route ?? function.Name;
            var pattern = "/" + (string.IsNullOrEmpty(routePrefix) ? route : routePrefix + "/" + route);
            var deprecation = ApiDeprecation.For(function.Name);
            RequestDelegate handler = async context =>
            {
                deprecation?.Apply(context.Response);
                var pass = await gate.EnterAsync(context, access, context.RequestAborted);
                using var scope = pass.Begin();
                var result = await invoker.InvokeAsync(
                    context.RequestServices,
                    new InvocationContext(context, null, context.RequestAborted)
                );
                switch (result)
                {
                    case IResult httpResult:
                        await httpResult.ExecuteAsync(context);
                        break;
                    case null:
                        break;
                    default:
                        throw new InvalidOperationException(
                            $"{function.Name} returned {result.GetType().Name}; HTTP functions of Cx return IResult."
                        );
                }
            };
            var builder = function.Http.Methods is { Count: > 0 } methods
                ? endpoints.MapMethods(pattern, methods, handler)
                : endpoints.Map(pattern, handler);
            builder.WithName(function.Name).WithDisplayName(function.Name);
            mapped.Add(invoker);
        }
        return mapped;
    }
}
