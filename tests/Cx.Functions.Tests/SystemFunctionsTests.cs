using Cx.Core.Documents;
using Cx.Functions.Platform;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using static Cx.Functions.Tests.FunctionTestHost;

namespace Cx.Functions.Tests;

public sealed class SystemFunctionsTests
{
    private readonly FunctionTestHost _host = new();
    private readonly Mock<IChangeFeed> _feed = new(MockBehavior.Strict);

    private SystemFunctions CreateSut() => new(_host.System, _feed.Object, NullLogger<SystemFunctions>.Instance);

    [Fact]
    public async Task Should_report_healthy_when_definitions_load()
    {
        var (status, _, body) = await ExecuteAsync(await CreateSut().Health(Request(), CancellationToken.None));
        Assert.Equal(200, status);
        Assert.Equal("healthy", Json(body).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Should_prune_the_change_feed_on_its_timer()
    {
        _feed.Setup(f => f.PruneAsync(It.IsAny<CancellationToken>())).ReturnsAsync(12);
        await CreateSut().PruneChangeFeed(new TimerInfo(), CancellationToken.None);
        _feed.Verify(f => f.PruneAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void Should_unwrap_the_exception_a_function_threw()
    {
        var inner = new Cx.Core.Common.NotFoundException("Customer", "c1");
        Assert.Same(inner, ProblemDetailsMiddleware.Unwrap(new AggregateException(inner)));
        Assert.Same(inner, ProblemDetailsMiddleware.Unwrap(new System.Reflection.TargetInvocationException(inner)));
    }
}
