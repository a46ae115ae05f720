using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Core.Profiles;

namespace Cx.Core.Feedback;

/// <summary>
/// The built-in <c>feedback</c> type: a customer's NPS answer (0-10) and text in a session. The
/// sentiment fields are written by the scoring timer only: score, label, key phrases, the model's
/// name and version (nothing else of the analysis is kept).
/// </summary>
public static class FeedbackModel
{
    public const string TypeKey = "feedback";

    /// <summary>NPS at or below this is a detractor's (0-6).</summary>
    public const int DetractorMax = 6;

    /// <summary>NPS at or above this is a promoter's (9-10).</summary>
    public const int PromoterMin = 9;

    public static ContentType Type { get; } =
        new()
        {
            Key = TypeKey,
            DisplayName = "Feedback",
            Description =
                "A customer's NPS answer (0-10) and comment. Written through /api/v1/customers/{customerId}/feedback; "
                + "sentiment is added by the scoring timer; a detractor's answer (0-6) opens a ticket.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.TicketsRead,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "customer",
                    Personal = PersonalDataCategory.Identifier,
                    Type = FieldType.Relation,
                    Target = CustomerProfile.TypeKey,
                    Required = true,
                    Indexed = true,
                    SystemManaged = true,
                    Description = "The customer's profile id (taken from the route).",
                },
                new FieldDefinition
                {
                    Name = "session",
                    Personal = PersonalDataCategory.Identifier,
                    Type = FieldType.String,
                    MaxLength = 128,
                    Indexed = true,
                    Description = "The session the answer was given in.",
                },
                new FieldDefinition
                {
                    Name = "nps",
                    Type = FieldType.Integer,
                    Required = true,
                    Min = 0,
                    Max = 10,
                    Indexed = true,
                    Description = "How likely the customer is to recommend us, 0-10.",
                },
                new FieldDefinition
                {
                    Name = "text",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.Text,
                    MaxLength = 5_000,
                },
                new FieldDefinition
                {
                    Name = "at",
                    Type = FieldType.DateTime,
                    Indexed = true,
                    SystemManaged = true,
                    Description = "When it was given (set by Cx).",
                },
                new FieldDefinition
                {
                    Name = "sentimentScore",
                    Type = FieldType.Integer,
                    SystemManaged = true,
                    Description = "The AFINN sum of the text's words (negative to positive).",
                },
                new FieldDefinition
                {
                    Name = "sentimentLabel",
                    Type = FieldType.Enumeration,
                    Values = ["positive", "neutral", "negative"],
                    Indexed = true,
                    SystemManaged = true,
                },
                new FieldDefinition
                {
                    Name = "keyPhrases",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.Json,
                    SystemManaged = true,
                    Description = "The words that carried the score (with their negator), strongest first, at most five.",
                },
                new FieldDefinition
                {
                    Name = "sentimentModel",
                    Type = FieldType.String,
                    MaxLength = 64,
                    Indexed = true,
                    SystemManaged = true,
                },
                new FieldDefinition
                {
                    Name = "sentimentModelVersion",
                    Type = FieldType.String,
                    MaxLength = 64,
                    SystemManaged = true,
                },
            ],
        };
}
