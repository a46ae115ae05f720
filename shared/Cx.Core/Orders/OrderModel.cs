using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Core.Orders;

/// <summary>
/// The built-in <c>order</c> content type: a customer's order with its status, items, totals and
/// currency. Written through the content API (<c>/api/v1/content/order</c>), validated like every
/// entry, so <c>order</c> created and status changes reach the lifecycle hooks as store changes.
/// </summary>
public static class OrderModel
{
    public const string TypeKey = "order";

    public const string ItemComponent = "order-item";

    /// <summary>The order statuses.</summary>
    public static IReadOnlyList<string> Statuses { get; } = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"];

    public static ContentType Order { get; } =
        new()
        {
            Key = TypeKey,
            DisplayName = "Order",
            Description =
                "A customer's order: status, items, totals and currency. Creating one is the order.created lifecycle change; "
                + "changing its status is an order.updated change the notification triggers can watch.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
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
                    Description = "The customer's profile id.",
                },
                new FieldDefinition
                {
                    Name = "number",
                    Type = FieldType.String,
                    MaxLength = 64,
                    Indexed = true,
                    Description = "The order number shown to the customer.",
                },
                new FieldDefinition
                {
                    Name = "status",
                    Type = FieldType.Enumeration,
                    Values = [.. Statuses],
                    Default = new JsonLiteral("\"pending\""),
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "items",
                    Type = FieldType.Component,
                    Component = ItemComponent,
                    Repeatable = true,
                    Required = true,
                    MinItems = 1,
                    MaxItems = 200,
                },
                Money("subtotal", "The sum of the items."),
                Money("shipping", "Shipping costs."),
                Money("tax", "Taxes."),
                Money("total", "What the customer pays.", required: true),
                new FieldDefinition
                {
                    Name = "currency",
                    Type = FieldType.String,
                    Required = true,
                    Pattern = "[A-Z]{3}",
                    MinLength = 3,
                    MaxLength = 3,
                    Description = "ISO 4217 code (EUR, USD, ...).",
                },
            ],
        };

    public static ComponentDefinition Item { get; } =
        new()
        {
            Key = ItemComponent,
            DisplayName = "Order item",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "sku",
                    Type = FieldType.String,
                    Required = true,
                    MaxLength = 64,
                },
                new FieldDefinition
                {
                    Name = "name",
                    Type = FieldType.String,
                    MaxLength = 255,
                },
                new FieldDefinition
                {
                    Name = "quantity",
                    Type = FieldType.Integer,
                    Required = true,
                    Min = 1,
                    Max = 100_000,
                },
                Money("unitPrice", "The price of one.", required: true),
            ],
        };

    public static IReadOnlyList<ContentType> Types { get; } = [Order];

    public static IReadOnlyList<ComponentDefinition> Components { get; } = [Item];

    private static FieldDefinition Money(string name, string description, bool required = false) =>
        new()
        {
            Name = name,
            Type = FieldType.Decimal,
            Scale = 2,
            Min = 0,
            Required = required,
            Description = description,
        };
}
