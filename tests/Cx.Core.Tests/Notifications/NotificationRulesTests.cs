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
}
