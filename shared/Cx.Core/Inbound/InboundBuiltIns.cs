namespace Cx.Core.Inbound;

/// <summary>
/// The built-in sources: Zendesk (a trigger's webhook, signed with base64 HMAC-SHA256 over the
/// timestamp header and the body) and Intercom (notifications, hex HMAC-SHA1 of the body in
/// <c>X-Hub-Signature</c>). They are documents like any other: docs/support.md shows the Zendesk
/// trigger body they read.
/// </summary>
public static class InboundBuiltIns
{
    public static InboundSource Zendesk { get; } =
        new()
        {
            Key = "zendesk",
            Description = "Zendesk ticket changes from a trigger's webhook (the JSON body is in docs/support.md).",
            Signature = new()
            {
                Header = "X-Zendesk-Webhook-Signature",
                Algorithm = "sha256",
                Encoding = "base64",
                TimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp",
                Secret = "zendesk",
            },
            Customer = new() { Id = "/requester/external_id", Email = "/requester/email" },
            Ticket = new()
            {
                ExternalId = "/ticket/id",
                Fields =
                [
                    new()
                    {
                        Name = "subject",
                        Pointer = "/ticket/subject",
                        Value = "Zendesk ticket",
                    },
                    new() { Name = "description", Pointer = "/ticket/description" },
                    new()
                    {
                        Name = "status",
                        Pointer = "/ticket/status",
                        Values =
                        [
                            new() { From = "new", To = "new" },
                            new() { From = "open", To = "open" },
                            new() { From = "pending", To = "awaiting_customer" },
                            new() { From = "hold", To = "open" },
                            new() { From = "on-hold", To = "open" },
                            new() { From = "solved", To = "resolved" },
                            new() { From = "closed", To = "closed" },
                        ],
                    },
                    new()
                    {
                        Name = "priority",
                        Pointer = "/ticket/priority",
                        Values =
                        [
                            new() { From = "low", To = "low" },
                            new() { From = "normal", To = "normal" },
                            new() { From = "high", To = "high" },
                            new() { From = "urgent", To = "urgent" },
                        ],
                    },
                    new()
                    {
                        Name = "channel",
                        Pointer = "/ticket/channel",
                        Value = "web",
                        Values =
                        [
                            new() { From = "mail", To = "email" },
                            new() { From = "email", To = "email" },
                            new() { From = "web form", To = "web" },
                            new() { From = "web", To = "web" },
                            new() { From = "chat", To = "chat" },
                            new() { From = "phone call", To = "phone" },
                            new() { From = "voice", To = "phone" },
                            new() { From = "api", To = "api" },
                            new() { From = "twitter", To = "social" },
                            new() { From = "facebook", To = "social" },
                        ],
                    },
                    new() { Name = "assignee", Pointer = "/ticket/assignee" },
                ],
            },
        };

    public static InboundSource Intercom { get; } =
        new()
        {
            Key = "intercom",
            Description = "Intercom conversation notifications: the conversation as a ticket, each notification as an interaction.",
            Signature = new()
            {
                Header = "X-Hub-Signature",
                Algorithm = "sha1",
                Encoding = "hex",
                Prefix = "sha1=",
                Secret = "intercom",
            },
            DeliveryId = "/id",
            Timestamp = "/created_at",
            Customer = new() { Id = "/data/item/contacts/contacts/0/external_id", Email = "/data/item/source/author/email" },
            Ticket = new()
            {
                ExternalId = "/data/item/id",
                Fields =
                [
                    new()
                    {
                        Name = "subject",
                        Pointer = "/data/item/title",
                        Value = "Intercom conversation",
                    },
                    new()
                    {
                        Name = "status",
                        Pointer = "/data/item/state",
                        Values =
                        [
                            new() { From = "open", To = "open" },
                            new() { From = "snoozed", To = "awaiting_customer" },
                            new() { From = "closed", To = "resolved" },
                        ],
                    },
                    new()
                    {
                        Name = "priority",
                        Pointer = "/data/item/priority",
                        Values = [new() { From = "priority", To = "high" }, new() { From = "not_priority", To = "normal" }],
                    },
                    new() { Name = "channel", Value = "chat" },
                ],
            },
            Interaction = new()
            {
                ExternalId = "/data/item/id",
                Fields =
                [
                    new() { Name = "kind", Value = "chat" },
                    new()
                    {
                        Name = "direction",
                        Pointer = "/topic",
                        Value = "inbound",
                        Values =
                        [
                            new() { From = "conversation.admin.replied", To = "outbound" },
                            new() { From = "conversation.admin.noted", To = "internal" },
                        ],
                    },
                    new() { Name = "summary", Pointer = "/topic" },
                    new() { Name = "body", Pointer = "/data/item/source/body" },
                ],
            },
        };

    public static IReadOnlyList<InboundSource> All { get; } = [Zendesk, Intercom];
}
