using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.DevHost;

/// <summary>
/// Calls one function method the way the worker would: a new instance of the function class
/// per invocation (from DI), trigger and route values bound by parameter, the result executed.
/// Binding is planned once at start-up; a parameter the DevHost cannot bind fails start-up.
/// </summary>
public sealed class FunctionInvoker
{
    private readonly ObjectFactory _factory;
    private readonly MethodInvoker _method;
    private readonly Func<InvocationContext, object?>[] _arguments;
    private readonly PropertyInfo? _taskResult;

    private FunctionInvoker(FunctionDescriptor descriptor, Type type, MethodInfo method, Func<InvocationContext, object?>[] arguments)
    {
        Descriptor = descriptor;
        Method = method;
        _factory = ActivatorUtilities.CreateFactory(type, Type.EmptyTypes);
        _method = MethodInvoker.Create(method);
        _arguments = arguments;
        _taskResult =
            method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
                ? method.ReturnType.GetProperty(nameof(Task<object>.Result))
                : null;
    }

    public FunctionDescriptor Descriptor { get; }

    public MethodInfo Method { get; }

    public static FunctionInvoker Create(FunctionDescriptor descriptor, Assembly assembly)
    {
        var type =
            assembly.GetType(descriptor.TypeName, throwOnError: false)
            ?? throw new InvalidOperationException($"{descriptor.Name}: type {descriptor.TypeName} is not in {assembly.GetName().Name}.");
        var method =
            type.GetMethod(descriptor.MethodName, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{descriptor.Name}: method {descriptor.EntryPoint} was not found.");
        var arguments = method.GetParameters().Select(p => Bind(descriptor, p)).ToArray();
        return new FunctionInvoker(descriptor, type, method, arguments);
    }

    private static Func<InvocationContext, object?> Bind(FunctionDescriptor descriptor, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null)
        {
            // An activity's input, deserialized by the Durable worker (Durable/DurableFunctions).
            return c => c.Trigger;
        }
        if (type == typeof(TaskOrchestrationContext))
        {
            return c => c.Trigger ?? throw new InvalidOperationException("Not an orchestration.");
        }
        if (type == typeof(DurableTaskClient))
        {
            // [DurableClient]: the in-process Durable client (Durable/DurableFunctions).
            return c => (c.Services ?? throw new InvalidOperationException("No services.")).GetRequiredService<DurableTaskClient>();
        }
        if (type == typeof(HttpRequest))
        {
            return c => c.Http?.Request ?? throw new InvalidOperationException("Not an HTTP invocation.");
        }
        if (type == typeof(HttpContext))
        {
            return c => c.Http;
        }
        if (type == typeof(CancellationToken))
        {
            return c => c.CancellationToken;
        }
        if (type == typeof(TimerInfo))
        {
            return c => c.Timer;
        }
        if (descriptor.Http is not null && (type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(Guid)))
        {
            var name = parameter.Name!;
            return c =>
            {
                var raw = c.Http!.Request.RouteValues.TryGetValue(name, out var value) ? value?.ToString() : null;
                if (raw is null || type == typeof(string))
                {
                    return raw;
                }
                return type == typeof(int) ? int.Parse(raw, System.Globalization.CultureInfo.InvariantCulture)
                    : type == typeof(long) ? long.Parse(raw, System.Globalization.CultureInfo.InvariantCulture)
                    : Guid.Parse(raw);
            };
        }
        throw new InvalidOperationException(
            $"{descriptor.Name}: the DevHost cannot bind parameter '{parameter.Name}' of type {type.Name}. "
                + "HTTP functions take HttpRequest, route values and CancellationToken; timers take TimerInfo; "
                + "orchestrators TaskOrchestrationContext, activities their [ActivityTrigger] input, any [DurableClient] DurableTaskClient."
        );
    }

    public async Task<object?> InvokeAsync(IServiceProvider services, InvocationContext context)
    {
        var instance = Method.IsStatic ? null : _factory(services, null);
        context = context with { Services = services };
        try
        {
            var arguments = new object?[_arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = _arguments[i](context);
            }
            var result = _method.Invoke(instance, arguments.AsSpan());
            switch (result)
            {
                case Task task:
                    await task;
                    return _taskResult?.GetValue(task);
                case ValueTask valueTask:
                    await valueTask;
                    return null;
                default:
                    return result;
            }
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}

/// <summary>What one invocation is given: the HTTP context or the timer, and cancellation.</summary>
public sealed record InvocationContext(HttpContext? Http, TimerInfo? Timer, CancellationToken CancellationToken)
{
    /// <summary>The orchestration context of an orchestrator, or the input of an activity.</summary>
    public object? Trigger { get; init; }

    /// <summary>The services of the invocation (set by <see cref="FunctionInvoker.InvokeAsync"/>).</summary>
    public IServiceProvider? Services { get; init; }
}
