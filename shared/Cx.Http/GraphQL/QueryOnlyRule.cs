using GraphQL.Validation;
using GraphQLParser.AST;

namespace Cx.Http.GraphQL;

/// <summary>GET carries queries only (GraphQL over HTTP): a mutation sent by GET is refused before anything runs.</summary>
public sealed class QueryOnlyRule : ValidationRuleBase
{
    public static QueryOnlyRule Instance { get; } = new();

    private static readonly MatchingNodeVisitor<GraphQLOperationDefinition> Visitor = new(
        (operation, context) =>
        {
            if (operation.Operation != OperationType.Query)
            {
                context.ReportError(
                    new ValidationError(context.Document.Source, "5.GET", "GET carries queries only; send mutations with POST.", operation)
                    {
                        Code = "QUERY_ONLY",
                    }
                );
            }
        }
    );

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);
}
