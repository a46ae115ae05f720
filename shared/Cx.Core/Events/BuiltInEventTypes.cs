using Cx.Core.Content;

namespace Cx.Core.Events;

/// <summary>The event types every installation has. Marketers may add properties; these stay.</summary>
public static class BuiltInEventTypes
{
    public const string PageView = "page_view";
    public const string CtaClick = "cta_click";
    public const string AddToCart = "add_to_cart";
    public const string CheckoutComplete = "checkout_complete";
    public const string Purchase = "purchase";
    public const string CartAbandoned = "cart_abandoned";
    public const string NewsletterSignup = "newsletter_signup";
    public const string Search = "search";

    /// <summary>Emitted by Cx when a customer enters a segment; clients cannot send it.</summary>
    public const string SegmentEntered = "segment.entered";

    /// <summary>Emitted by Cx when a customer leaves a segment; clients cannot send it.</summary>
    public const string SegmentExited = "segment.exited";

    /// <summary>Event types only Cx itself emits (membership changes): ingestion refuses them from clients.</summary>
    public static bool IsSystemOnly(string type) => type is SegmentEntered or SegmentExited;

    private static EventTypeDefinition Membership(string key, string displayName, string description) =>
        new()
        {
            Key = key,
            DisplayName = displayName,
            Description = description,
            BuiltIn = true,
            Properties =
            [
                new FieldDefinition
                {
                    Name = "segment",
                    Type = FieldType.String,
                    MaxLength = 64,
                    Required = true,
                    Description = "The segment key.",
                },
                new FieldDefinition
                {
                    Name = "ruleVersion",
                    Type = FieldType.Integer,
                    Min = 1,
                    Required = true,
                    Description = "The version of the segment's rule that made the decision.",
                },
            ],
            RollupDimensions = ["segment"],
        };

    private static FieldDefinition Text(string name, int max = 255, bool required = false, string? description = null) =>
        new()
        {
            Name = name,
            Type = FieldType.String,
            MaxLength = max,
            Required = required,
            Description = description,
        };

    private static FieldDefinition Money(string name, bool required = false) =>
        new()
        {
            Name = name,
            Type = FieldType.Decimal,
            Scale = 4,
            Min = 0,
            Required = required,
        };

    private static FieldDefinition Currency() =>
        new()
        {
            Name = "currency",
            Type = FieldType.String,
            Pattern = "[A-Z]{3}",
            MaxLength = 3,
            Description = "ISO 4217 code, for example EUR.",
        };

    private static FieldDefinition Integer(string name, int min = 0) =>
        new()
        {
            Name = name,
            Type = FieldType.Integer,
            Min = min,
        };

    public static IReadOnlyList<EventTypeDefinition> All { get; } =
    [
        new()
        {
            Key = PageView,
            DisplayName = "Page view",
            BuiltIn = true,
            Properties =
            [
                Text("page", 2048, description: "The path of the page, for example /products/42."),
                Text("url", 2048),
                Text("title", 500),
                Text("category", 128),
                Text("referrer", 2048),
            ],
            RollupDimensions = ["category"],
        },
        new()
        {
            Key = CtaClick,
            DisplayName = "Call-to-action click",
            BuiltIn = true,
            Properties = [Text("cta", 128, required: true, description: "Which call to action."), Text("label", 255), Text("target", 2048)],
            RollupDimensions = ["cta"],
        },
        new()
        {
            Key = AddToCart,
            DisplayName = "Add to cart",
            BuiltIn = true,
            Properties =
            [
                Text("productId", 128, required: true),
                Text("category", 128),
                Money("price"),
                Integer("quantity", 1),
                Currency(),
            ],
            RollupDimensions = ["category"],
            ValueProperty = "price",
        },
        new()
        {
            Key = CheckoutComplete,
            DisplayName = "Checkout complete",
            BuiltIn = true,
            Properties = [Text("orderId", 128), Money("amount"), Currency()],
            ValueProperty = "amount",
        },
        new()
        {
            Key = Purchase,
            DisplayName = "Purchase",
            BuiltIn = true,
            Properties = [Money("amount", required: true), Currency(), Text("orderId", 128), Text("category", 128), Integer("items", 0)],
            RollupDimensions = ["category", "currency"],
            ValueProperty = "amount",
        },
        new()
        {
            Key = CartAbandoned,
            DisplayName = "Cart abandoned",
            BuiltIn = true,
            Properties = [Text("cartId", 128), Money("value"), Integer("items", 0), Currency()],
            ValueProperty = "value",
        },
        new()
        {
            Key = NewsletterSignup,
            DisplayName = "Newsletter signup",
            BuiltIn = true,
            Properties = [Text("list", 128), Text("source", 128)],
            RollupDimensions = ["list"],
        },
        new()
        {
            Key = Search,
            DisplayName = "Search",
            BuiltIn = true,
            Properties = [Text("query", 500, required: true), Integer("results", 0), Text("category", 128)],
            RollupDimensions = ["category"],
        },
        Membership(SegmentEntered, "Segment entered", "A customer entered a segment (emitted by Cx)."),
        Membership(SegmentExited, "Segment exited", "A customer left a segment (emitted by Cx)."),
    ];
}
