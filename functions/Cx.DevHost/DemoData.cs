using System.Text.Json.Nodes;
using Bogus;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cx.DevHost;

/// <summary>
/// A realistic, repeatable demo data set: customers with preferences and recent
/// interactions, an <c>article</c> collection type with entries, a <c>homepage</c> single
/// type. Written through the same services as the API (so it is validated), and idempotent:
/// running it again adds nothing that is already there.
/// </summary>
public sealed partial class DemoData(EntryService entries, ContentTypeRegistry registry, TimeProvider time, ILogger<DemoData> logger)
{
    public async Task SeedAsync(int customers, CancellationToken cancellationToken)
    {
        var created = 0;
        var faker = new Faker("en") { Random = new Randomizer(20261125) };
        var now = time.GetUtcNow();
        for (var i = 1; i <= customers; i++)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            var interactions = new JsonArray();
            var count = faker.Random.Int(0, 6);
            var daysAgo = faker.Random.Int(count, 120);
            for (var n = 0; n < count; n++)
            {
                daysAgo -= faker.Random.Int(1, Math.Max(1, daysAgo / (count - n)));
                var kind = faker.PickRandom("page_view", "purchase", "newsletter_signup", "support_ticket", "cart_abandoned");
                interactions.Add(
                    new JsonObject
                    {
                        ["at"] = Instants.Format(now.AddDays(-daysAgo).AddMinutes(n)),
                        ["kind"] = kind,
                        ["channel"] = faker.PickRandom("web", "ios", "android", "kiosk"),
                        ["summary"] = kind == "purchase" ? $"Order of {faker.Commerce.Price(5, 900)} EUR" : null,
                    }
                );
            }
            var body = new JsonObject
            {
                ["id"] = $"demo-{i:D5}",
                ["email"] = $"{first}.{last}.{i}@example.com".ToLowerInvariant().Replace("'", "", StringComparison.Ordinal),
                ["name"] = $"{first} {last}",
                ["phone"] = faker.Random.Bool(0.6f) ? faker.Phone.PhoneNumber("+351 9## ### ###") : null,
                ["lastLogin"] = Instants.Format(now.AddHours(-faker.Random.Int(1, 24 * 90))),
                ["loyaltyTier"] = faker.PickRandom("none", "none", "bronze", "silver", "gold", "platinum"),
                ["preferences"] = new JsonObject
                {
                    ["language"] = faker.PickRandom("en", "pt-PT", "pt-BR", "es", "de", "fr"),
                    ["preferredChannel"] = faker.PickRandom("email", "sms", "push", "inApp"),
                    ["newsletter"] = faker.Random.Bool(0.4f),
                    ["preferredPaymentMethod"] = faker.PickRandom("card", "paypal", "applePay", "googlePay"),
                    ["timeZone"] = faker.PickRandom("Europe/Lisbon", "Europe/Madrid", "America/Sao_Paulo", "Europe/Berlin"),
                },
                ["interactionHistory"] = interactions,
            };
            if (await CreateIfMissingAsync(CustomerProfile.TypeKey, body, cancellationToken))
            {
                created++;
            }
        }
        await SeedContentAsync(faker, cancellationToken);
        await SeedOrdersAsync(customers, cancellationToken);
        LogSeeded(logger, customers, created);
    }

    /// <summary>Orders (the built-in <c>order</c> type) for every third customer, from a generator of their own.</summary>
    private async Task SeedOrdersAsync(int customers, CancellationToken cancellationToken)
    {
        var faker = new Faker("en") { Random = new Randomizer(20261207) };
        for (var i = 1; i <= customers; i += 3)
        {
            var items = new JsonArray();
            var subtotal = 0m;
            for (var n = faker.Random.Int(1, 3); n > 0; n--)
            {
                var quantity = faker.Random.Int(1, 3);
                var price = Math.Round(faker.Random.Decimal(5, 200), 2);
                subtotal += quantity * price;
                items.Add(
                    new JsonObject
                    {
                        ["sku"] = faker.Commerce.Ean8(),
                        ["name"] = faker.Commerce.ProductName(),
                        ["quantity"] = quantity,
                        ["unitPrice"] = price,
                    }
                );
            }
            var shipping = subtotal >= 50 ? 0m : 4.90m;
            // Round-tripped through text: the validator reads numbers as JSON, not as boxed CLR values.
            var order = new JsonObject
            {
                ["id"] = $"demo-order-{i:D5}",
                ["customer"] = $"demo-{i:D5}",
                ["number"] = $"D{i:D6}",
                ["status"] = faker.PickRandom("pending", "paid", "shipped", "delivered"),
                ["items"] = items,
                ["subtotal"] = subtotal,
                ["shipping"] = shipping,
                ["total"] = subtotal + shipping,
                ["currency"] = "EUR",
            };
            await CreateIfMissingAsync(
                Cx.Core.Orders.OrderModel.TypeKey,
                JsonNode.Parse(order.ToJsonString())!.AsObject(),
                cancellationToken
            );
        }
    }

    private async Task SeedContentAsync(Faker faker, CancellationToken cancellationToken)
    {
        await CreateTypeIfMissingAsync(
            new ContentType
            {
                Key = "article",
                DisplayName = "Article",
                Description = "Editorial content shown to customers.",
                Fields =
                [
                    new FieldDefinition
                    {
                        Name = "title",
                        Type = FieldType.String,
                        Required = true,
                        MaxLength = 160,
                    },
                    new FieldDefinition
                    {
                        Name = "slug",
                        Type = FieldType.String,
                        Required = true,
                        Unique = true,
                        Indexed = true,
                        Pattern = "[a-z0-9]+(-[a-z0-9]+)*",
                    },
                    new FieldDefinition { Name = "body", Type = FieldType.Text },
                    new FieldDefinition
                    {
                        Name = "publishedAt",
                        Type = FieldType.DateTime,
                        Indexed = true,
                    },
                    new FieldDefinition
                    {
                        Name = "audience",
                        Type = FieldType.Enumeration,
                        Values = ["all", "bronze", "silver", "gold", "platinum"],
                        Default = new JsonLiteral("\"all\""),
                        Indexed = true,
                    },
                ],
            },
            cancellationToken
        );
        for (var i = 1; i <= 20; i++)
        {
            var title = faker.Lorem.Sentence(5).TrimEnd('.');
            await CreateIfMissingAsync(
                "article",
                new JsonObject
                {
                    ["id"] = $"demo-article-{i:D3}",
                    ["title"] = title,
                    ["slug"] = $"demo-article-{i:D3}",
                    ["body"] = faker.Lorem.Paragraphs(3),
                    ["publishedAt"] = Instants.Format(time.GetUtcNow().AddDays(-i)),
                    ["audience"] = faker.PickRandom("all", "gold", "platinum"),
                },
                cancellationToken
            );
        }
        await CreateTypeIfMissingAsync(
            new ContentType
            {
                Key = "homepage",
                DisplayName = "Homepage",
                Kind = ContentKind.Single,
                Fields =
                [
                    new FieldDefinition
                    {
                        Name = "headline",
                        Type = FieldType.String,
                        Required = true,
                    },
                    new FieldDefinition
                    {
                        Name = "featured",
                        Type = FieldType.Relation,
                        Target = "article",
                        Many = true,
                        MaxItems = 5,
                    },
                ],
            },
            cancellationToken
        );
        try
        {
            await entries.GetSingleAsync("homepage", cancellationToken);
        }
        catch (Core.Common.NotFoundException)
        {
            await entries.PutSingleAsync(
                "homepage",
                new JsonObject { ["headline"] = "Welcome to Cx", ["featured"] = new JsonArray("demo-article-001", "demo-article-002") },
                null,
                cancellationToken
            );
        }
    }

    private async Task<bool> CreateIfMissingAsync(string type, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            await entries.CreateAsync(type, body, cancellationToken);
            return true;
        }
        catch (DocumentExistsException)
        {
            return false;
        }
    }

    private async Task CreateTypeIfMissingAsync(ContentType type, CancellationToken cancellationToken)
    {
        try
        {
            await registry.CreateContentTypeAsync(type, cancellationToken);
        }
        catch (DocumentExistsException) { }
    }

    [LoggerMessage(
        EventId = 300,
        Level = LogLevel.Information,
        Message = "Demo data: {Customers} customers ({Created} new), 20 articles, a homepage"
    )]
    private static partial void LogSeeded(ILogger logger, int customers, int created);
}
