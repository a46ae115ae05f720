using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Http.Problems;

namespace Cx.Core.Tests.Http;

public sealed class ProblemMapperTests
{
    public static TheoryData<Exception, int, string> Cases =>
        new()
        {
            { new ValidationException(new FieldError("/email", "email", "bad")), 400, "validation-failed" },
            { new MalformedJsonException("not json"), 400, "malformed-json" },
            { new NotFoundException("Customer", "c1"), 404, "not-found" },
            { new DocumentNotFoundException("customers", new DocumentKey("c1", "c1")), 404, "not-found" },
            { new DocumentExistsException("customers", new DocumentKey("c1", "c1")), 409, "already-exists" },
            { new ConflictException("has-entries", "busy"), 409, "has-entries" },
            { new ETagMismatchException(new DocumentKey("c1", "c1")), 412, "precondition-failed" },
            { new PayloadTooLargeException(1024), 413, "payload-too-large" },
            { new UnsupportedMediaTypeException("text/plain", ["application/json"]), 415, "unsupported-media-type" },
            { new InvalidOperationException("secret connection string"), 500, "internal-error" },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_map_exceptions_to_stable_problems(Exception exception, int status, string code)
    {
        var problem = ProblemMapper.Map(exception);
        Assert.Equal(status, problem.Status);
        Assert.Equal(code, problem.Code);
        Assert.Equal("urn:cx:problem:" + code, problem.Type);
    }

    [Fact]
    public void Should_not_reveal_internals_of_unexpected_errors()
    {
        var problem = ProblemMapper.Map(new InvalidOperationException("Server=db;Password=hunter2"));
        Assert.DoesNotContain("hunter2", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(problem.Errors);
    }

    [Fact]
    public void Should_point_unique_violations_at_the_field()
    {
        var problem = ProblemMapper.Map(new UniqueValueTakenException(new UniqueValue("customer.email", "a@b.co"), "c2"));
        Assert.Equal(409, problem.Status);
        var error = Assert.Single(problem.Errors);
        Assert.Equal(("/email", "unique"), (error.Path, error.Code));
        Assert.DoesNotContain("c2", problem.Detail, StringComparison.Ordinal);
    }
}
