using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;

namespace Cx.DevHost.Durable;

/// <summary>
/// Runs the function app's Durable functions in process: every <c>orchestrationTrigger</c> and
/// <c>activityTrigger</c> function of functions.metadata is registered, by name, with the Durable Task
/// SDK's in-memory backend (Microsoft.DurableTask.InProcessTestHost), and the DevHost's services get
/// its <see cref="Microsoft.DurableTask.Client.DurableTaskClient"/>, which <c>[DurableClient]</c>
/// parameters receive. The same methods the Functions host calls run here; nothing is kept across a
/// restart (the in-memory backend), and durable timers run in real time.
/// </summary>
public static class DurableFunctions
{
    public const string Orchestration = "orchestrationTrigger";

    public const string Activity = "activityTrigger";

    /// <summary>Registers the Durable functions (none: nothing is added). Orchestrators must be static: they use no services.</summary>
    public static IServiceCollection AddDurableFunctions(
        this IServiceCollection services,
        IReadOnlyList<FunctionDescriptor> functions,
        Assembly assembly
    )
    {
        var orchestrators = Invokers(functions, assembly, Orchestration);
        var activities = Invokers(functions, assembly, Activity);
        if (orchestrators.Count == 0)
        {
            return services;
        }
        foreach (var orchestrator in orchestrators.Where(o => !o.Method.IsStatic))
        {
            throw new InvalidOperationException(
                $"{orchestrator.Descriptor.Name}: orchestrators must be static (deterministic code that uses no services)."
            );
        }
        services.AddInMemoryDurableTask(
            registry =>
            {
                foreach (var orchestrator in orchestrators)
                {
                    registry.AddOrchestrator(orchestrator.Descriptor.Name, () => new FunctionOrchestrator(orchestrator));
                }
                foreach (var activity in activities)
                {
                    registry.AddActivity(activity.Descriptor.Name, sp => new FunctionActivity(activity, sp));
                }
            },
            new InMemoryDurableTaskOptions { Port = FreeLoopbackPort() }
        );
        return services;
    }

    private static List<FunctionInvoker> Invokers(IReadOnlyList<FunctionDescriptor> functions, Assembly assembly, string trigger) =>
        [
            .. functions
                .Where(f => string.Equals(f.TriggerType, trigger, StringComparison.OrdinalIgnoreCase))
                .Select(f => FunctionInvoker.Create(f, assembly)),
        ];

    /// <summary>A loopback port free now, for the in-memory backend's gRPC endpoint (its default picks a random one).</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Type ResultType(FunctionInvoker invoker) =>
        invoker.Method.ReturnType is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Task<>)
            ? t.GetGenericArguments()[0]
            : typeof(object);

    /// <summary>An orchestrator function: its input is read with <c>context.GetInput&lt;string&gt;()</c> (JSON inside when structured).</summary>
    private sealed class FunctionOrchestrator(FunctionInvoker invoker) : ITaskOrchestrator
    {
        public Type InputType => typeof(string);

        public Type OutputType => ResultType(invoker);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) =>
            invoker.InvokeAsync(EmptyServices.Instance, new InvocationContext(null, null, CancellationToken.None) { Trigger = context });
    }

    /// <summary>An activity function: a new scope per execution, its input deserialized to the trigger parameter's type.</summary>
    private sealed class FunctionActivity(FunctionInvoker invoker, IServiceProvider services) : ITaskActivity
    {
        public Type InputType { get; } =
            invoker
                .Method.GetParameters()
                .FirstOrDefault(p => p.GetCustomAttribute<Microsoft.Azure.Functions.Worker.ActivityTriggerAttribute>() is not null)
                ?.ParameterType
            ?? typeof(object);

        public Type OutputType => ResultType(invoker);

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            await using var scope = services.CreateAsyncScope();
            return await invoker.InvokeAsync(scope.ServiceProvider, new InvocationContext(null, null, stopping) { Trigger = input });
        }
    }

    /// <summary>What a static orchestrator is invoked with: it asks for no services.</summary>
    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
