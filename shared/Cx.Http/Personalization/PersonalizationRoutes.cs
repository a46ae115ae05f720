using Cx.Http.OpenApi;

namespace Cx.Http.Personalization;

/// <summary>Placements (definition documents) and the decision endpoint.</summary>
public static class PersonalizationRoutes
{
    public const string Placements = "v1/placements";

    public const string PlacementByKey = "v1/placements/{placementKey}";

    public static string PlacementLocation(string key) => ApiRoutes.Path("v1/placements/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef PlacementDocument = ApiSchemaRef.Named(PlacementSchemas.PlacementDocument);

    private static readonly ApiSchemaRef PlacementInput = ApiSchemaRef.Named(PlacementSchemas.PlacementInput);

    private static readonly ApiParameter PlacementKey = new(
        "placementKey",
        ApiParameterLocation.Path,
        "The placement's key, such as homepage.hero.",
        ApiSchemaRef.Inline(PlacementSchemas.KeySchema)
    )
    {
        Required = true,
    };

    private const string ValidationDescription =
        "Checked at save: the content type exists and is servable, variant keys are unique, weights and priorities are in range, "
        + "targeting values are well-formed and every rule parses against the customer schema plus request.*; the fallback and "
        + "the control variant name variants. Every problem is a 400 with its JSON Pointer (a bad rule points into "
        + "/variants/{i}/targeting/rule) and nothing is written.";

    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListPlacements", Placements, ApiTags.Personalization, "List placements", PlacementDocument, filter: null),
            RestOperations
                .Create("CreatePlacement", Placements, ApiTags.Personalization, "Create a placement", PlacementInput, PlacementDocument)
                .WithDescription(ValidationDescription + " Audited as placement.saved."),
            RestOperations.Get("GetPlacement", PlacementByKey, ApiTags.Personalization, "Read a placement", PlacementDocument, fields: false) with
            {
                Parameters = [PlacementKey, ApiParameters.IfNoneMatch],
            },
            RestOperations
                .Replace("ReplacePlacement", PlacementByKey, ApiTags.Personalization, "Change a placement", PlacementInput, PlacementDocument)
                .WithDescription(
                    ValidationDescription
                        + " A change moves version on and is served on the next decision; saving an unchanged placement writes nothing."
                ) with
            {
                Parameters = [PlacementKey, ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeletePlacement", PlacementByKey, ApiTags.Personalization, "Delete a placement") with
            {
                Parameters = [PlacementKey, ApiParameters.IfMatch],
            },
        ];
}
