using Cx.Core.Content;
using Cx.Core.Rules;
using Cx.Http.Problems;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>The schemas every document has: problems, generic entries, pages, filters.</summary>
public static class CommonSchemas
{
    public const string Problem = "Problem";

    public const string ProblemFieldError = "ProblemFieldError";

    /// <summary>An entry of any content type (generic content routes).</summary>
    public const string Entry = "Entry";

    public const string EntryInput = "EntryInput";

    public const string EntryPatch = "EntryPatch";

    public const string EntryFilter = "EntryFilter";

    /// <summary>The system fields every full document carries; combined with an entry schema by <see cref="ApiSchemaRef.Complete"/>.</summary>
    public const string EntryMetadata = "EntryMetadata";

    public const string FilterCondition = "FilterCondition";

    public const string PageLimit = "PageLimit";

    /// <summary>This document, as the document endpoint returns it.</summary>
    public const string OpenApiDocument = "OpenApiDocument";

    /// <summary>The filter operators of list queries, as the query string spells them.</summary>
    public static IReadOnlyList<string> FilterOperators { get; } =
    [
        .. Enum.GetValues<ComparisonOperator>()
            .Where(o => o != ComparisonOperator.Contains)
            .Select(o => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(o.ToString())),
    ];

    internal static void Register(SchemaContext context)
    {
        context.AddShared(ProblemFieldError, FieldErrorSchema());
        context.AddShared(Problem, ProblemSchema(context));
        context.AddShared(EntryMetadata, MetadataSchema());
        context.AddShared(Entry, GenericEntry());
        context.AddShared(
            EntryInput,
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description =
                    "The fields of an entry of the type in the URL: see the <Type>Input schema of that type. "
                    + "'id' may be chosen by the client on create; system fields sent back are ignored.",
                Properties = new Dictionary<string, IOpenApiSchema> { ["id"] = SchemaBuilder.Id("The id of the entry.") },
            }
        );
        context.AddShared(
            EntryPatch,
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description =
                    "A JSON Merge Patch (RFC 7396) of an entry: objects merge, null removes a field, anything else replaces it. "
                    + "See the <Type>Patch schema of the type in the URL.",
            }
        );
        context.AddShared(FilterCondition, FilterConditionSchema());
        context.AddShared(
            EntryFilter,
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description =
                    "filter[field]=value or filter[field][operator]=value on indexed fields of the type (see its <Type>Filter schema). "
                    + "id, createdAt and updatedAt are always filterable.",
                AdditionalProperties = context.Reference(FilterCondition),
            }
        );
        context.AddShared(
            PageLimit,
            new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Minimum = "1",
                Maximum = context.ContentOptions.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Default = context.ContentOptions.DefaultPageSize,
            }
        );
        context.AddShared(
            OpenApiDocument,
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "An OpenAPI 3.1 document.",
                Required = new SortedSet<string>(StringComparer.Ordinal) { "openapi", "info", "paths" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["openapi"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = @"^3\.1\.\d+$" },
                    ["info"] = new OpenApiSchema { Type = JsonSchemaType.Object },
                    ["paths"] = new OpenApiSchema { Type = JsonSchemaType.Object },
                    ["components"] = new OpenApiSchema { Type = JsonSchemaType.Object },
                },
            }
        );
    }

    /// <summary><c>{"items": [...], "nextCursor": string | null}</c>.</summary>
    internal static OpenApiSchema Page(IOpenApiSchema item, string description) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Required = new SortedSet<string>(StringComparer.Ordinal) { "items", "nextCursor" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["items"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = item },
                ["nextCursor"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String | JsonSchemaType.Null,
                    Description = "Pass as 'cursor' to read the next page; null on the last page. Also in the Link header (rel=\"next\").",
                },
            },
            AdditionalPropertiesAllowed = false,
        };

    /// <summary>The system fields of an entry: server-written, read-only.</summary>
    internal static Dictionary<string, IOpenApiSchema> SystemProperties(string? typeKey = null) =>
        new(StringComparer.Ordinal)
        {
            ["id"] = ReadOnly(SchemaBuilder.Id("The id of the entry.")),
            ["type"] = ReadOnly(
                typeKey is null
                    ? SchemaBuilder.Key("The key of the entry's content type.")
                    : SchemaBuilder.Enumeration([typeKey], "The key of the entry's content type.")
            ),
            ["schemaVersion"] = ReadOnly(
                SchemaBuilder.Integer(1, null, "The version of the content type the entry was last written with.")
            ),
            ["createdAt"] = ReadOnly(SchemaBuilder.DateTime("When the entry was created (UTC).")),
            ["updatedAt"] = ReadOnly(SchemaBuilder.DateTime("When the entry was last changed (UTC).")),
        };

    private static OpenApiSchema ReadOnly(OpenApiSchema schema)
    {
        schema.ReadOnly = true;
        return schema;
    }

    private static OpenApiSchema MetadataSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = "The system fields a full document always has (a read with 'fields' returns only the selected ones).",
            Properties = SystemProperties(),
            Required = new SortedSet<string>(StringComparer.Ordinal) { "id", "type", "schemaVersion", "createdAt", "updatedAt" },
        };

    private static OpenApiSchema GenericEntry() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description =
                "An entry of the content type in the URL: the system fields plus the type's own fields "
                + "(see the <Type>Entry schema of each type). A read with 'fields' returns 'id' and the selected fields only.",
            Properties = SystemProperties(),
            Required = new SortedSet<string>(StringComparer.Ordinal) { "id" },
        };

    private static OpenApiSchema FilterConditionSchema()
    {
        var operators = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var op in FilterOperators)
        {
            operators[op] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = op switch
                {
                    "in" or "nin" => "Comma-separated values (at most 100).",
                    "between" => "low,high (inclusive).",
                    "exists" => "true or false.",
                    "startsWith" => "A prefix (text fields).",
                    _ => null,
                },
            };
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.String | JsonSchemaType.Object,
            Description =
                "A value (filter[field]=value means eq) or operators (filter[field][gte]=value). "
                + "Values are parsed by the field's type: ISO 8601 for dates, true/false for booleans.",
            Properties = operators,
            AdditionalPropertiesAllowed = false,
        };
    }

    private static OpenApiSchema FieldErrorSchema()
    {
        var where = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["pointer"] = SchemaBuilder.String("A JSON Pointer (RFC 6901) into the request body; empty for the whole body."),
            ["parameter"] = SchemaBuilder.String("The query parameter (or route value) at fault."),
            ["header"] = SchemaBuilder.String("The request header at fault."),
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = "^[a-z0-9-]+$",
                Description = "A stable, kebab-case code: required, type, max-length, unknown-field, unique, read-only, ...",
            },
            ["detail"] = SchemaBuilder.String("What is wrong, for people."),
            // Imports (docs/export.md): the pointer is into the row that starts on this line of the file.
            ["line"] = SchemaBuilder.Integer(1, null, "Imports: the line of the file where the row at fault starts."),
        };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One field-level error, located by exactly one of pointer, parameter or header.",
            Properties = where,
            Required = new SortedSet<string>(StringComparer.Ordinal) { "code", "detail" },
            AdditionalPropertiesAllowed = false,
            OneOf =
            [
                new OpenApiSchema { Required = new SortedSet<string>(StringComparer.Ordinal) { "pointer" } },
                new OpenApiSchema { Required = new SortedSet<string>(StringComparer.Ordinal) { "parameter" } },
                new OpenApiSchema { Required = new SortedSet<string>(StringComparer.Ordinal) { "header" } },
            ],
        };
    }

    private static OpenApiSchema ProblemSchema(SchemaContext context) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details. 'type' is urn:cx:problem:{code}; the codes are listed with each response.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = "^" + Problems.Problem.TypePrefix + "[a-z0-9-]+$",
                    Description = "A stable URI naming the problem type.",
                },
                ["title"] = SchemaBuilder.String("A short summary of the problem type."),
                ["status"] = SchemaBuilder.Integer(400, 599, "The HTTP status code."),
                ["detail"] = SchemaBuilder.String("What went wrong in this occurrence."),
                ["instance"] = SchemaBuilder.String("The request path."),
                ["code"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = "^[a-z0-9-]+$",
                    Description = "The problem code, the last part of 'type'.",
                },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = context.Reference(ProblemFieldError),
                    Description = "Field-level errors (400, some 409).",
                },
                ["traceId"] = SchemaBuilder.String("Quote it when you report a problem."),
                ["error"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [System.Text.Json.Nodes.JsonValue.Create("invalid_grant")],
                    Description = "The RFC 6749 error code, on invalid-grant problems of the token endpoint.",
                },
                // OFREP clients read these three on failures of the /ofrep routes (docs/experiments.md).
                ["key"] = SchemaBuilder.String("OFREP routes: the flag key."),
                ["errorCode"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = "^[A-Z_]+$",
                    Description =
                        "OFREP routes: the OpenFeature error code (FLAG_NOT_FOUND, PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT, GENERAL).",
                },
                ["errorDetails"] = SchemaBuilder.String("OFREP routes: the error in words."),
                ["truncated"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Boolean,
                    Description = "Imports: true when the file has more errors than the ones listed.",
                },
                // Offline replay (POST /api/v1/realtime/mutations) answers a stale mutation with these (docs/realtime.md).
                ["counter"] = SchemaBuilder.Integer(1, long.MaxValue, "Offline replay: the counter of the mutation that conflicts."),
                ["lastApplied"] = SchemaBuilder.Integer(0, long.MaxValue, "Offline replay: the client's last applied counter."),
                ["current"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "Offline replay: the entry as it is now." },
            },
            Required = new SortedSet<string>(StringComparer.Ordinal) { "type", "title", "status", "detail", "instance", "code" },
            AdditionalPropertiesAllowed = false,
        };

    /// <summary>The content type of problem responses.</summary>
    internal const string ProblemMediaType = ProblemMapper.ContentType;

    /// <summary>The fields of a content type that list queries accept, for descriptions.</summary>
    internal static string Filterable(ContentSchema schema) => string.Join(", ", schema.Indexed.Keys.Order(StringComparer.Ordinal));
}
