using Cx.Http.Problems;

namespace Cx.DevHost;

/// <summary>The DevHost's twin of the worker middleware: the same exception-to-problem mapping.</summary>
public sealed partial class ProblemDetailsMiddleware(RequestDelegate next, ILogger<ProblemDetailsMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception exception)
        {
            var cause = Cx.Functions.ProblemDetailsMiddleware.Unwrap(exception);
            if (ProblemMapper.Map(cause).Status >= 500)
            {
                LogUnhandled(logger, cause, context.Request.Method, context.Request.Path);
            }
            await ProblemMapper.WriteAsync(context, cause);
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
