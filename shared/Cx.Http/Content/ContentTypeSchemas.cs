using Cx.Core.Content;
using Cx.Http.OpenApi;

namespace Cx.Http.Content;

/// <summary>The definition documents of the schema admin's API: content types and components.</summary>
public static class ContentTypeSchemas
{
    public const string ContentTypeDocument = "ContentTypeDefinition";

    public const string ContentTypeInput = "ContentTypeDefinitionInput";

    public const string ComponentDocument = "ComponentDefinition";

    public const string ComponentInput = "ComponentDefinitionInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<ContentType>(
            ContentTypeDocument,
            ContentTypeRegistry.ContentTypeDocument,
            "A content type: the definition of the fields its entries have."
        );
        schemas.AddInput<ContentType>(ContentTypeInput, "A content type as a client sends it.");
        schemas.AddDocument<ComponentDefinition>(
            ComponentDocument,
            ContentTypeRegistry.ComponentDocument,
            "A component: a reusable group of fields for component fields and dynamic zones."
        );
        schemas.AddInput<ComponentDefinition>(ComponentInput, "A component as a client sends it.");
    }
}
