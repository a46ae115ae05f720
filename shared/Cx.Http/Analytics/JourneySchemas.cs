using Cx.Core.Analytics;
using Cx.Http.Events;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Analytics;

/// <summary>The journey definition document: which event types put a subject in each stage.</summary>
public static class JourneySchemas
{
    public const string JourneyDocument = "JourneyDefinition";

    public const string JourneyInput = "JourneyDefinitionInput";

    /// <summary>Journey keys: content-type keys of at most <see cref="JourneyRegistry.MaxKeyLength"/> characters.</summary>
    public const string JourneyKeyPattern = "^[a-z](?:[a-z0-9-]{0,46}[a-z0-9])?$";

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["stages"] = "The event types of each stage; an event type belongs to one stage at most.",
        ["awareness"] = "1-20 event types: a subject is aware when it does one of them in the report's range.",
        ["consideration"] = "1-20 event types, done after an awareness event within the conversion window.",
        ["action"] = "1-20 event types, done after a consideration event within the conversion window.",
        ["conversionWindow"] =
            "ISO 8601 duration (days, hours, minutes, seconds; at most P90D, default P30D): every stage before the awareness time plus this. Stored in canonical form.",
    };

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<JourneyDefinition>(
            JourneyDocument,
            JourneyRegistry.Document,
            "A journey: which event types put a subject in the awareness, consideration and action stages.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = JourneyKeyPattern,
                Description = "The key.",
            }
        );
        schemas.AddInput<JourneyDefinition>(JourneyInput, "A journey as a client sends it.");
        schemas.Customize(Customize);
    }

    private static void Customize(Type declaringType, string name, OpenApiSchema schema)
    {
        if (Descriptions.TryGetValue(name, out var description))
        {
            schema.Description = description;
        }
        switch (name)
        {
            case "key" when declaringType == typeof(JourneyDefinition):
                schema.Pattern = JourneyKeyPattern;
                schema.Description =
                    $"1-{JourneyRegistry.MaxKeyLength} lower-case letters, digits or '-', starting with a letter; fixed once created.";
                break;
            case "awareness" or "consideration" or "action" when schema.Items is OpenApiSchema stageItems:
                schema.MaxItems = JourneyRegistry.MaxEventTypesPerStage;
                schema.UniqueItems = true;
                stageItems.Pattern = EventTypeSchemas.EventTypeKeyPattern;
                break;
            case "conversionWindow":
                schema.Pattern = SchemaBuilder.DurationUpTo90DaysPattern;
                break;
        }
    }
}
