using Cx.Core.Personalization;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;
using PreviewInputContract = Cx.Http.Personalization.PreviewInput;

namespace Cx.Http.Personalization;

/// <summary>The placement definition document: its variants, their targeting, the strategy and the control group.</summary>
public static class PlacementSchemas
{
    public const string PlacementDocument = "PlacementDefinition";

    public const string PlacementInput = "PlacementDefinitionInput";

    public const string PreviewInput = "PersonalizationPreviewInput";

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["contentType"] =
            "The content type of every variant's entry (a collection in the content container), so a client renders any of them.",
        ["strategy"] =
            "firstMatch: the matching variant of highest priority; score: the best share of held criteria at or above threshold; "
            + "weighted: among the matching variants by weight, stable per customer.",
        ["threshold"] = "score strategy only: the score (0-1, default 0.5) a variant needs; below it the fallback is served.",
        ["fallback"] = "The variant served when none qualifies; without one the placement is answered with no entry.",
        ["holdout"] =
            "A control group: percent (0-50] of customers always get the control variant; the assignment is stored per customer and never flips.",
        ["percent"] = "The share of customers in the control group, more than 0 and at most 50.",
        ["variants"] = $"1-{PlacementRules.MaxVariants} candidates: entries of the content type with their targeting.",
        ["entry"] = "The id of an entry of the placement's content type.",
        ["priority"] = "Higher first (first-match) and the tie-break of equal scores.",
        ["weight"] = $"0-{PlacementRules.MaxWeight}: the variant's share under the weighted strategy.",
        ["targeting"] = "Every criterion given must hold; a variant without criteria matches everyone.",
        ["segments"] = "Segment keys: the customer is a member of at least one.",
        ["lifecycleStages"] = "Values of the profile's lifecycleStage field.",
        ["languages"] = "Language tags; pt matches pt-PT. The profile's preferences.language, else the request's language.",
        ["devices"] = "mobile, tablet, desktop, kiosk or other (the device parameter, else the User-Agent).",
        ["rule"] =
            "A rule of the shared rule language (docs/segments.md) over the profile and request.* (device, language, country, "
            + "localHour, localDay, utmSource, utmMedium, utmCampaign, utmTerm, utmContent, referrer); no behaviour conditions.",
    };

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<PlacementDefinition>(
            PlacementDocument,
            PersonalizationDocuments.Placement,
            "A placement: a slot of a page or screen, its candidate variants and how one is chosen for each customer.",
            KeySchema(),
            Require
        );
        schemas.AddInput<PlacementDefinition>(PlacementInput, "A placement as a client sends it.", Require);
        schemas.AddInput<PreviewInputContract>(
            PreviewInput,
            "A preview: placements, and a stored customer (customerId), hypothetical profile fields, segments and context.",
            schema => schema.Required!.Add("placements")
        );
        schemas.Customize(Customize);
    }

    internal static OpenApiSchema KeySchema() =>
        new()
        {
            Type = JsonSchemaType.String,
            Pattern = PlacementRules.KeyPattern,
            MaxLength = PlacementRules.MaxKeyLength,
            Description = "The placement's key, such as homepage.hero.",
        };

    private static void Require(OpenApiSchema schema)
    {
        foreach (var name in (string[])["key", "name", "contentType", "variants"])
        {
            schema.Required!.Add(name);
        }
    }

    private static void Customize(Type declaringType, string name, OpenApiSchema schema)
    {
        if (
            declaringType != typeof(PlacementDefinition)
            && declaringType != typeof(PlacementVariant)
            && declaringType != typeof(VariantTargeting)
            && declaringType != typeof(PlacementHoldout)
        )
        {
            return;
        }
        if (Descriptions.TryGetValue(name, out var description))
        {
            schema.Description = description;
        }
        switch (name)
        {
            case "key" when declaringType == typeof(PlacementDefinition):
                schema.Pattern = PlacementRules.KeyPattern;
                schema.MaxLength = PlacementRules.MaxKeyLength;
                schema.Description = "Dot-separated lower-case names (homepage.hero); fixed once created.";
                break;
            case "key":
                schema.Description = "The variant's key within the placement: 1-64 lower-case letters, digits or '-'.";
                break;
            case "rule":
                schema.Type = JsonSchemaType.Object;
                break;
            case "version":
                schema.Description = "1 when created, +1 with every change (server-owned).";
                break;
        }
    }
}
