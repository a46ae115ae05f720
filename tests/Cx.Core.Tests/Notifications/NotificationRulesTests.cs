using System.ComponentModel.DataAnnotations;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Notifications;

namespace Cx.Core.Tests.Notifications;

public sealed class NotificationRulesTests
{
    private static NotificationTemplate Template(string language, string body) =>
        new()
        {
            Channel = "email",
            Language = language,
            Body = body,
        };

    [Theory]
    [InlineData("pt-PT", "pt-PT")]
    [InlineData("pt-BR", "pt")]
    [InlineData("de", "default")]
    [InlineData(null, "default")]
    public void Should_choose_the_template_by_language_with_fallback(string? language, string expected)
    {
        NotificationTemplate[] templates = [Template("default", "default"), Template("pt", "pt"), Template("pt-PT", "pt-PT")];

        Assert.Equal(expected, NotificationTemplates.Select(templates, "email", language)!.Body);
        Assert.Null(NotificationTemplates.Select(templates, "sms", language));
    }

    [Fact]
    public async Task Should_render_json_models_and_escape_json_strings()
    {
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["customer"] = NotificationTemplates.ToModel(
                Encoding.UTF8.GetBytes("""{"name":"Ana \"A\"","items":[{"sku":"X"}],"total":12.50}""")
            ),
        };

        Assert.Equal(
            "\"Ana \\u0022A\\u0022\" X 12.5",
            await NotificationTemplates.RenderAsync("{{ customer.name | json }} {{ customer.items[0].sku }} {{ customer.total }}", model)
        );
        Assert.Equal("", await NotificationTemplates.RenderAsync("{{ customer.nope }}", model));
        var unknown = await Assert.ThrowsAsync<Fluid.FluidException>(async () =>
            await NotificationTemplates.RenderAsync("{{ customer.nope }}", model, strict: true)
        );
        Assert.Contains("nope", unknown.Message, StringComparison.Ordinal);
    }

    private static ChangeRecord Change(string? before, string after) =>
        new(
            "1",
            Containers.Content,
            "t1",
            "support-ticket",
            "support-ticket",
            ChangeKind.Upsert,
            "e1",
            DateTimeOffset.UnixEpoch,
            before is null ? null : Encoding.UTF8.GetBytes(before),
            Encoding.UTF8.GetBytes(after)
        );

    [Fact]
    public void Should_fire_a_becomes_trigger_only_when_the_field_changes_to_the_value()
    {
        var on = new TriggerSource
        {
            Kind = TriggerKinds.Content,
            ContentType = "support-ticket",
            Change = "updated",
            Field = "status",
            Becomes = "awaiting_customer",
        };

        Assert.True(
            NotificationHook.Fires(on, "support-ticket.updated", Change("""{"status":"open"}""", """{"status":"awaiting_customer"}"""))
        );
        Assert.False(
            NotificationHook.Fires(
                on,
                "support-ticket.updated",
                Change("""{"status":"awaiting_customer"}""", """{"status":"awaiting_customer","priority":"high"}""")
            )
        );
        Assert.False(NotificationHook.Fires(on, "support-ticket.updated", Change("""{"status":"new"}""", """{"status":"open"}""")));
        Assert.False(NotificationHook.Fires(on, "support-ticket.created", Change(null, """{"status":"awaiting_customer"}""")));
        Assert.True(NotificationHook.Fires(on with { Field = null, Becomes = null }, "support-ticket.updated", Change("{}", "{}")));
        Assert.True(
            NotificationHook.Fires(
                on with
                {
                    Change = "created",
                    Field = null,
                    Becomes = null,
                },
                "support-ticket.created",
                Change(null, "{}")
            )
        );
    }

    [Fact]
    public void Should_refuse_channels_with_an_unknown_kind_or_missing_settings_at_start()
    {
        var options = new NotificationOptions();
        options.Channels["mail"] = new NotificationChannelOptions { Kind = "smtp" };
        options.Channels["pigeon"] = new NotificationChannelOptions { Kind = "carrier" };
        options.Channels["wa"] = new NotificationChannelOptions { Kind = "http", Url = "https://x.example/{{ to" };

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();

        Assert.Contains(problems, p => p.Contains("Channels:mail:Host", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Channels:mail:From", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Channels:pigeon:Kind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Channels:wa: Url is not a Liquid template", StringComparison.Ordinal));
        Assert.Equal(NotificationChannelKinds.Inbox, new NotificationOptions().Channels["inbox"].Kind);
        Assert.Empty(new NotificationOptions().Validate(new ValidationContext(options)));
    }

    [Fact]
    public void Should_make_the_delivery_id_from_the_idempotency_key_and_the_channel()
    {
        var id = NotificationMessage.DeliveryIdOf("t|c", "email");

        Assert.Matches("^ntf_[0-9a-f]{32}$", id);
        Assert.Equal(id, NotificationMessage.DeliveryIdOf("t|c", "email"));
        Assert.NotEqual(id, NotificationMessage.DeliveryIdOf("t|c", "inbox"));
        Assert.NotEqual(id, NotificationMessage.DeliveryIdOf("t|d", "email"));
    }

    private static System.Text.Json.JsonElement Json(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();

    private static NotificationMessage Message(bool critical = false, string topic = "marketing") =>
        new()
        {
            CustomerId = "c1",
            Channel = "email",
            IdempotencyKey = "k",
            Topic = topic,
            Critical = critical,
            Body = "b",
        };

    [Fact]
    public void Should_hold_non_critical_messages_in_the_customers_quiet_hours_in_their_time_zone()
    {
        var preferences = Json("""{"quietHours":{"start":"22:00","end":"07:00"}}""");
        var lisbon = Json("""{"preferences":{"timeZone":"Europe/Lisbon"}}""");
        var saoPaulo = Json("""{"preferences":{"timeZone":"America/Sao_Paulo"}}""");
        // 23:30 UTC on a winter day: 23:30 in Lisbon (quiet), 20:30 in São Paulo (not quiet).
        var now = new DateTimeOffset(2026, 12, 7, 23, 30, 0, TimeSpan.Zero);

        Assert.StartsWith(
            "quiet hours: 22:00-07:00 in Europe/Lisbon",
            NotificationPreferences.Refusal(preferences, Message(), lisbon, now)
        );
        Assert.Null(NotificationPreferences.Refusal(preferences, Message(), saoPaulo, now));
        Assert.Null(NotificationPreferences.Refusal(preferences, Message(critical: true), lisbon, now));
        Assert.Null(NotificationPreferences.Refusal(preferences, Message(), lisbon, now.AddHours(8)));
    }

    [Fact]
    public void Should_cap_non_critical_messages_per_24_hours()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var preferences = Json(
            $$"""{"maxPerDay":2,"sent":["{{Cx.Core.Common.Instants.Format(now.AddHours(-1))}}","{{Cx.Core.Common.Instants.Format(now.AddHours(-2))}}","{{Cx.Core.Common.Instants.Format(now.AddHours(-30))}}"]}"""
        );
        var profile = Json("{}");

        Assert.Equal(
            "cap: 2 messages in the last 24 hours (at most 2)",
            NotificationPreferences.Refusal(preferences, Message(), profile, now)
        );
        Assert.Null(NotificationPreferences.Refusal(preferences, Message(critical: true), profile, now));
        Assert.Null(NotificationPreferences.Refusal(preferences, Message(), profile, now.AddHours(23)));
    }

    [Fact]
    public void Should_let_critical_messages_pass_a_topic_opt_out_but_never_a_channel_opt_out()
    {
        var profile = Json("{}");
        var topicOut = Json("""{"topics":{"marketing":false}}""");
        var channelOut = Json("""{"channels":{"email":false}}""");
        var now = DateTimeOffset.UnixEpoch;

        Assert.Equal(
            "preference: the customer opted out of topic marketing",
            NotificationPreferences.Refusal(topicOut, Message(), profile, now)
        );
        Assert.Null(NotificationPreferences.Refusal(topicOut, Message(critical: true), profile, now));
        Assert.Null(NotificationPreferences.Refusal(topicOut, Message(topic: "orders"), profile, now));
        Assert.Equal(
            "preference: the customer opted out of channel email",
            NotificationPreferences.Refusal(channelOut, Message(critical: true), profile, now)
        );
    }
}
