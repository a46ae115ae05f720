using System.Net;
using System.Reflection;
using Cx.Core.Identity;
using Cx.DevHost;
using Cx.Functions;
using Cx.Http.Problems;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Security;

/// <summary>
/// The Azure Functions worker applies access through its own middleware (<see cref="AccessMiddleware"/>),
/// which the Functions host runs and this machine cannot. These tests run that middleware itself,
/// with a worker <see cref="FunctionContext"/> carrying the request as the ASP.NET Core integration
/// does, against the DevHost's services: it must resolve the same policy as the DevHost for every
/// function of functions.metadata and let in exactly the callers of <see cref="AccessMatrixTests"/>.
/// </summary>
public sealed class WorkerAccessTests(UnlimitedDevHostFactory host) : IClassFixture<UnlimitedDevHostFactory>
{
    /// <summary>Where the worker's ASP.NET Core integration keeps the request (FunctionContext.GetHttpContext reads it).</summary>
    private const string HttpContextItem = "HttpRequestContext";

    private static readonly Assembly FunctionApp = typeof(AccessMiddleware).Assembly;

    private static IReadOnlyList<FunctionDescriptor> AllFunctions =>
        FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName));

    [Fact]
    public void Should_resolve_the_same_policy_as_the_devhost_for_every_function()
    {
        var functions = AllFunctions;
        Assert.NotEmpty(functions);
        var differences = new List<string>();
        foreach (var function in functions)
        {
            var devHost = FunctionInvoker.Create(function, FunctionApp).Method.GetCustomAttribute<AccessAttribute>();
            var worker = AccessMiddleware.FindPolicy(function.EntryPoint);
            if (devHost is null || worker is null || Describe(devHost) != Describe(worker))
            {
                differences.Add($"{function.Name}: DevHost {Describe(devHost)}, worker {Describe(worker)}");
            }
        }
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [MemberData(nameof(AccessMatrixTests.FunctionNames), MemberType = typeof(AccessMatrixTests))]
    public async Task Should_let_in_exactly_the_callers_of_the_access_table(string functionName)
    {
        Assert.True(
            AccessMatrixTests.Allowed.TryGetValue(functionName, out var allowed),
            $"{functionName} has no row in the access table."
        );
        var function = AccessMatrixTests.HttpFunctions.Single(f => f.Name == functionName);
        var (serviceKey, publicKey) = await AccessMatrixTests.CreateKeysAsync(host);
        var middleware = new AccessMiddleware(host.Services.GetRequiredService<RequestGate>());
        var anonymousRoute = AccessMiddleware.FindPolicy(function.EntryPoint)?.Permission == AccessAttribute.Anonymous;
        var failures = new List<string>();
        foreach (var caller in AccessMatrixTests.Callers)
        {
            var selfId = "self-" + Guid.NewGuid().ToString("n")[..8];
            var http = Request(function, selfId);
            if (AccessMatrixTests.Credentials(host, caller, selfId, serviceKey, publicKey) is { } credentials)
            {
                http.Request.Headers[credentials.Header] = credentials.Value;
            }
            Actor? seen = null;
            int status;
            try
            {
                await middleware.Invoke(
                    Context(function, http),
                    _ =>
                    {
                        seen = CurrentActor.Authenticated;
                        return Task.CompletedTask;
                    }
                );
                status = StatusCodes.Status200OK;
            }
            catch (Exception ex)
            {
                // What the worker's ProblemDetailsMiddleware answers for it.
                status = ProblemMapper.Map(ex).Status;
            }
            var shouldPass = allowed.Contains(caller);
            var denied = caller == AccessMatrixTests.Anonymous ? 401 : 403;
            if (shouldPass && status != 200)
            {
                failures.Add($"{caller} was refused with {status}");
            }
            else if (!shouldPass && status != denied)
            {
                failures.Add($"{caller} should get {denied} but got {status}");
            }
            else if (status == 200 && caller != AccessMatrixTests.Anonymous && !anonymousRoute && seen is null)
            {
                failures.Add($"{caller} was let in, but the function did not see who is calling");
            }
        }
        Assert.True(failures.Count == 0, $"{functionName}: " + string.Join("; ", failures));
    }

    [Fact]
    public async Task Should_refuse_a_function_without_a_policy_and_never_run_it()
    {
        var function = new FunctionDescriptor(
            "Undeclared",
            "Cx.Functions.Nowhere.Undeclared",
            "httpTrigger",
            new HttpTriggerBinding("v1/undeclared", ["get"]),
            null
        );
        var ran = false;
        var middleware = new AccessMiddleware(host.Services.GetRequiredService<RequestGate>());

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            middleware.Invoke(
                Context(function, Request(function, "x")),
                _ =>
                {
                    ran = true;
                    return Task.CompletedTask;
                }
            )
        );

        Assert.Contains("Undeclared", failure.Message, StringComparison.Ordinal);
        Assert.False(ran);
    }

    [Fact]
    public async Task Should_run_timer_functions_without_the_gate()
    {
        var timer = AllFunctions.First(f => f.Http is null);
        var ran = false;
        var middleware = new AccessMiddleware(host.Services.GetRequiredService<RequestGate>());

        await middleware.Invoke(
            Context(timer, http: null),
            _ =>
            {
                ran = true;
                return Task.CompletedTask;
            }
        );

        Assert.True(ran);
    }

    private DefaultHttpContext Request(FunctionDescriptor function, string selfId)
    {
        var http = new DefaultHttpContext { RequestServices = host.Services };
        var route = function.Http!.Route!;
        var path = route;
        foreach (var (name, value) in AccessMatrixTests.RouteValues(route, selfId))
        {
            // The worker's ASP.NET Core integration routes the request by the function's route template.
            http.Request.RouteValues[name] = value;
            path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        http.Request.Method = function.Http.Methods![0].ToUpperInvariant();
        http.Request.Path = "/api/" + path;
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        return http;
    }

    private static FunctionContext Context(FunctionDescriptor function, HttpContext? http)
    {
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(function.Name);
        definition.SetupGet(d => d.EntryPoint).Returns(function.EntryPoint);
        var items = new Dictionary<object, object>();
        if (http is not null)
        {
            items[HttpContextItem] = http;
        }
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.Items).Returns(items);
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return context.Object;
    }

    private static string Describe(AccessAttribute? access) =>
        access is null
            ? "none"
            : $"{access.Permission} self={access.Self ?? "-"} selfInBody={access.SelfInBody} rateLimit={access.RateLimit ?? "-"}";
}
