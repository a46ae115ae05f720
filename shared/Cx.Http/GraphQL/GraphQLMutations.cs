using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Http.Paging;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using FieldType = GraphQL.Types.FieldType;

namespace Cx.Http.GraphQL;

/// <summary>
/// Mutations of content entries (customers included), through <see cref="EntryService"/> as the
/// REST routes: the same validation (errors with JSON pointers in <c>extensions.data.errors</c>),
/// unique values, relation checks and ETag preconditions (<c>ifMatch</c> is the REST If-Match; a
/// stale one is <c>PRECONDITION_FAILED</c>), and the same permissions as the REST routes.
/// </summary>
internal static class GraphQLMutations
{
    public static ObjectGraphType Build()
    {
        var result = new ObjectGraphType
        {
            Name = "EntryResult",
            Description = "A written entry: its id, its ETag (for ifMatch) and the entry as stored.",
        };
        result.AddField(Field("id", typeof(NonNullGraphType<IdGraphType>), d => d.Id));
        result.AddField(Field("etag", typeof(NonNullGraphType<StringGraphType>), d => ETags.Format(d.ETag)));
        result.AddField(Field("entry", typeof(NonNullGraphType<JsonGraphType>), d => GraphQLRequestContext.Parse(d)));

        var mutation = new ObjectGraphType { Name = "Mutation", Description = "Writes of content entries, as the REST routes." };
        mutation.AddField(
            Write(
                "createEntry",
                "Create an entry of a collection type (POST of its REST route).",
                result,
                withId: false,
                async (ctx, type, _, data, _) =>
                {
                    await RequireWriteAsync(ctx, type, id: null, customerPermission: Permissions.CustomersWrite, selfAllowed: false);
                    return await GraphQLRequestContext.Of(ctx).Entries.CreateAsync(type, data!, ctx.CancellationToken);
                }
            )
        );
        mutation.AddField(
            Write(
                "replaceEntry",
                "Replace an entry (PUT); ifMatch is the ETag read or written last.",
                result,
                withId: true,
                async (ctx, type, id, data, ifMatch) =>
                {
                    await RequireWriteAsync(ctx, type, id, Permissions.CustomersWrite, selfAllowed: true);
                    return await GraphQLRequestContext.Of(ctx).Entries.ReplaceAsync(type, id!, data!, ifMatch, ctx.CancellationToken);
                }
            )
        );
        mutation.AddField(
            Write(
                "patchEntry",
                "Change some fields of an entry (JSON merge patch, as PATCH).",
                result,
                withId: true,
                async (ctx, type, id, data, ifMatch) =>
                {
                    await RequireWriteAsync(ctx, type, id, Permissions.CustomersWrite, selfAllowed: true);
                    return await GraphQLRequestContext.Of(ctx).Entries.PatchAsync(type, id!, data!, ifMatch, ctx.CancellationToken);
                }
            )
        );
        mutation.AddField(
            new FieldType
            {
                Name = "deleteEntry",
                Description = "Delete an entry (DELETE); true when deleted.",
                Type = typeof(NonNullGraphType<BooleanGraphType>),
                Arguments = new QueryArguments(
                    new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "type" },
                    new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                    new QueryArgument<StringGraphType> { Name = "ifMatch" }
                ),
                Resolver = new FuncFieldResolver<object?>(async ctx =>
                {
                    var type = ctx.GetArgument<string>("type");
                    var id = ctx.GetArgument<string>("id");
                    await RequireWriteAsync(ctx, type, id, Permissions.CustomersDelete, selfAllowed: false);
                    await GraphQLRequestContext.Of(ctx).Entries.DeleteAsync(type, id, IfMatch(ctx), ctx.CancellationToken);
                    return true;
                }),
            }
        );
        return mutation;
    }

    private delegate Task<StoredDocument> WriteAsync(
        IResolveFieldContext context,
        string type,
        string? id,
        JsonObject? data,
        string? ifMatch
    );

    private static FieldType Write(string name, string description, ObjectGraphType result, bool withId, WriteAsync write)
    {
        var arguments = new QueryArguments(
            new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "type", Description = "The content type's key." }
        );
        if (withId)
        {
            arguments.Add(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" });
        }
        arguments.Add(
            new QueryArgument<NonNullGraphType<JsonGraphType>>
            {
                Name = "data",
                Description = "The entry (a JSON object), as the REST body.",
            }
        );
        if (withId)
        {
            arguments.Add(new QueryArgument<StringGraphType> { Name = "ifMatch", Description = "The entry's ETag, as If-Match." });
        }
        return new FieldType
        {
            Name = name,
            Description = description,
            ResolvedType = new NonNullGraphType(result),
            Arguments = arguments,
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                var data =
                    ctx.GetArgument<object?>("data") as JsonObject
                    ?? throw new ValidationException(new FieldError("data", "type", "data is a JSON object.", ErrorLocation.Query));
                return await write(
                    ctx,
                    ctx.GetArgument<string>("type"),
                    withId ? ctx.GetArgument<string>("id") : null,
                    data,
                    withId ? IfMatch(ctx) : null
                );
            }),
        };
    }

    private static string? IfMatch(IResolveFieldContext context) => context.GetArgument<string?>("ifMatch")?.Trim().Trim('"');

    /// <summary>What the REST routes of the type require: the customer routes for customers, the content routes otherwise.</summary>
    private static async Task RequireWriteAsync(
        IResolveFieldContext context,
        string typeKey,
        string? id,
        string customerPermission,
        bool selfAllowed
    )
    {
        var schema = await GraphQLRequestContext.Of(context).Registry.GetSchemaAsync(typeKey, context.CancellationToken);
        if (typeKey == CustomerProfile.TypeKey)
        {
            GraphQLRequestContext.Require(customerPermission, selfAllowed ? id : null);
            return;
        }
        if (schema.Container == Containers.Customers)
        {
            throw new ConflictException("customer-scoped", $"'{typeKey}' holds customer data; use its own routes.");
        }
        GraphQLRequestContext.Require(Permissions.ContentWrite);
    }

    private static FieldType Field(string name, Type type, Func<StoredDocument, object?> read) =>
        new()
        {
            Name = name,
            Type = type,
            Resolver = new FuncFieldResolver<object?>(ctx => read((StoredDocument)ctx.Source!)),
        };
}
