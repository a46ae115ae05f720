using System.Collections.Concurrent;
using System.Reflection;
using Cx.Http.Security;
using Cx.Http.Versioning;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Cx.Functions;

/// <summary>
/// Applies each HTTP function's declared <see cref="AccessAttribute"/> through the request gate
/// before the function runs (the DevHost applies the same gate). A function without a declared
/// policy is refused, never served open.
/// </summary>
public sealed class AccessMiddleware(RequestGate gate) : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, AccessAttribute?> Policies = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context);
            return;
        }
        var access =
            Policies.GetOrAdd(context.FunctionDefinition.EntryPoint, FindPolicy)
            ?? throw new InvalidOperationException($"Function {context.FunctionDefinition.Name} declares no access policy.");
        ApiDeprecation.For(context.FunctionDefinition.Name)?.Apply(http.Response);
        var pass = await gate.EnterAsync(http, access, context.CancellationToken);
        using (pass.Begin())
        {
            await next(context);
        }
    }

    /// <summary>The [Access] of a function, from its entry point (<c>Namespace.Type.Method</c>).</summary>
    public static AccessAttribute? FindPolicy(string entryPoint)
    {
        var separator = entryPoint.LastIndexOf('.');
        var type = typeof(AccessMiddleware).Assembly.GetType(entryPoint[..separator]);
        return type
            ?.GetMethod(entryPoint[(separator + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?.GetCustomAttribute<AccessAttribute>();
    }
}
