using Cx.Core.Content;
using Cx.Core.Documents;

namespace Cx.Core.Profiles;

/// <summary>
/// The customer profile: a built-in content type like any other, stored in the customers
/// container and partitioned by customer id. Marketers grow it (new fields, new component
/// fields) through the content-type API; these are only the fields the product relies on.
/// </summary>
public static class CustomerProfile
{
    public const string TypeKey = "customer";

    public const string PreferencesComponent = "preferences";

    public const string InteractionComponent = "interaction";

    public const string SegmentMembershipComponent = "segment-membership";

    /// <summary>How many interactions a profile keeps; older ones live in the event store.</summary>
    public const int InteractionHistoryLimit = 50;

    public static ContentType ContentType { get; } =
        new()
        {
            Key = TypeKey,
            DisplayName = "Customer",
            Description = "A customer profile: base fields plus preferences, recent interactions and segment membership.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            Storage = new StorageDefinition { Container = Containers.Customers, PartitionBy = PartitionStrategy.Id },
            Fields =
            [
                new FieldDefinition
                {
                    Name = "email",
                    Personal = PersonalDataCategory.Contact,
                    Type = FieldType.Email,
                    Required = true,
                    Unique = true,
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "name",
                    Personal = PersonalDataCategory.Name,
                    Type = FieldType.String,
                    MaxLength = 200,
                },
                new FieldDefinition
                {
                    Name = "phone",
                    Personal = PersonalDataCategory.Contact,
                    Type = FieldType.String,
                    MaxLength = 32,
                    Pattern = @"\+?[0-9 ()\-.]{4,31}",
                },
                new FieldDefinition
                {
                    Name = "authId",
                    Personal = PersonalDataCategory.Identifier,
                    Type = FieldType.String,
                    MaxLength = 255,
                    Unique = true,
                    Indexed = true,
                    Description = "The subject of the customer's identity (SSO subject or auth provider id).",
                },
                new FieldDefinition
                {
                    Name = "lastLogin",
                    Personal = PersonalDataCategory.Activity,
                    Type = FieldType.DateTime,
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "loyaltyTier",
                    Type = FieldType.Enumeration,
                    Values = ["none", "bronze", "silver", "gold", "platinum"],
                    Default = new JsonLiteral("\"none\""),
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "preferences",
                    Type = FieldType.Component,
                    Component = PreferencesComponent,
                },
                new FieldDefinition
                {
                    Name = "interactionHistory",
                    Personal = PersonalDataCategory.Activity,
                    Type = FieldType.Component,
                    Component = InteractionComponent,
                    Repeatable = true,
                    MaxItems = InteractionHistoryLimit,
                    Overflow = OverflowPolicy.DropOldest,
                    Description = "The most recent interactions, oldest first; older ones are dropped.",
                },
                new FieldDefinition
                {
                    Name = "segmentMembership",
                    Type = FieldType.Component,
                    Component = SegmentMembershipComponent,
                    Repeatable = true,
                    MaxItems = 500,
                    SystemManaged = true,
                    Description = "Segments the customer belongs to; written by the segmentation hook only.",
                },
            ],
        };

    public static ComponentDefinition Preferences { get; } =
        new()
        {
            Key = PreferencesComponent,
            DisplayName = "Preferences",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "language",
                    Type = FieldType.String,
                    MaxLength = 35,
                    Pattern = "[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*",
                    Indexed = true,
                    Description = "BCP 47 language tag, for example en or pt-BR.",
                },
                new FieldDefinition
                {
                    Name = "preferredChannel",
                    Type = FieldType.Enumeration,
                    Values = ["email", "sms", "push", "inApp", "none"],
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "newsletter",
                    Type = FieldType.Boolean,
                    Default = new JsonLiteral("false"),
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "preferredPaymentMethod",
                    Type = FieldType.Enumeration,
                    Values = ["card", "paypal", "applePay", "googlePay", "bankTransfer", "invoice"],
                },
                new FieldDefinition
                {
                    Name = "timeZone",
                    Personal = PersonalDataCategory.Location,
                    Type = FieldType.String,
                    MaxLength = 64,
                    Description = "IANA time zone, for example Europe/Lisbon.",
                },
            ],
        };

    public static ComponentDefinition Interaction { get; } =
        new()
        {
            Key = InteractionComponent,
            DisplayName = "Interaction",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "at",
                    Type = FieldType.DateTime,
                    Required = true,
                },
                new FieldDefinition
                {
                    Name = "kind",
                    Type = FieldType.String,
                    Required = true,
                    MaxLength = 64,
                    Description = "What happened: purchase, support_ticket, segment.entered, ...",
                },
                new FieldDefinition
                {
                    Name = "channel",
                    Type = FieldType.String,
                    MaxLength = 32,
                },
                new FieldDefinition
                {
                    Name = "summary",
                    Type = FieldType.String,
                    MaxLength = 255,
                },
                new FieldDefinition { Name = "data", Type = FieldType.Json },
            ],
        };

    public static ComponentDefinition SegmentMembership { get; } =
        new()
        {
            Key = SegmentMembershipComponent,
            DisplayName = "Segment membership",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "segment",
                    Type = FieldType.String,
                    Required = true,
                    MaxLength = 64,
                },
                new FieldDefinition
                {
                    Name = "since",
                    Type = FieldType.DateTime,
                    Required = true,
                },
                new FieldDefinition
                {
                    Name = "ruleVersion",
                    Type = FieldType.Integer,
                    Min = 1,
                },
            ],
        };

    public static IReadOnlyList<ComponentDefinition> Components { get; } = [Preferences, Interaction, SegmentMembership];
}
