using System.Reflection;
using Cx.Http.Problems;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Cx.Functions;

/// <summary>
/// Turns exceptions from HTTP functions into RFC 9457 problem details (the same mapping the
/// DevHost uses). Non-HTTP functions rethrow, so the host records the failure and retries.
/// </summary>
public sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            var http = context.GetHttpContext();
            if (http is null)
            {
                throw;
            }
            var cause = Unwrap(exception);
            var problem = ProblemMapper.Map(cause);
            if (problem.Status >= 500)
            {
                LogUnhandled(logger, cause, context.FunctionDefinition.Name);
            }
            await ProblemMapper.WriteAsync(http, cause);
        }
    }

    public static Exception Unwrap(Exception exception) =>
        exception switch
        {
            AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
            TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
            _ when exception.InnerException is { } inner && exception.GetType().Name == "FunctionInvocationException" => Unwrap(inner),
            _ => exception,
        };

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Function {Function} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function);
}
