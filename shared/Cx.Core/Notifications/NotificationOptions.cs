using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Notifications;

/// <summary>Settings of notifications, bound from <c>Cx:Notifications</c>: the channels and their transports.</summary>
public sealed class NotificationOptions : IValidatableObject
{
    public const string Section = "Cx:Notifications";

    /// <summary>The work queue the trigger hook fills and the sender consumes.</summary>
    public const string Queue = "notifications";

    /// <summary>
    /// The channels by name (<c>Cx:Notifications:Channels:{name}:Kind</c> = <c>smtp</c>, <c>inbox</c> or
    /// <c>http</c>). A trigger or a send names a channel; a new provider is a new entry here, no code.
    /// The in-app inbox needs no settings, so a channel named <c>inbox</c> exists unless configured otherwise.
    /// </summary>
    public Dictionary<string, NotificationChannelOptions> Channels { get; set; } =
        new(StringComparer.Ordinal) { ["inbox"] = new NotificationChannelOptions { Kind = NotificationChannelKinds.Inbox } };

    /// <summary>Lets http channels reach private and loopback addresses (local development and tests only).</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>How long one SMTP or HTTP send may take.</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// The public address of the API (<c>https://cx.example.com</c>), used in the one-click unsubscribe
    /// links of e-mails. Without it (or without <see cref="UnsubscribeSecret"/>) e-mails carry no link.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The key that signs unsubscribe links (at least 32 characters; a secret: app settings or Key Vault).</summary>
    public string? UnsubscribeSecret { get; set; }

    /// <summary>
    /// Open SMTP connections per server and account, reused across messages: at most this many
    /// messages are handed to one SMTP server at once per worker.
    /// </summary>
    [Range(1, 64)]
    public int SmtpConnectionsPerChannel { get; set; } = 4;

    /// <summary>Trigger documents allowed.</summary>
    [Range(1, 10_000)]
    public int MaxTriggers { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (
            PublicBaseUrl is not null
            && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("https" or "http"))
        )
        {
            yield return new ValidationResult("PublicBaseUrl must be an absolute http(s) URL.");
        }
        if (UnsubscribeSecret is { Length: < 32 })
        {
            yield return new ValidationResult("UnsubscribeSecret must have at least 32 characters.");
        }
        foreach (var (name, channel) in Channels)
        {
            var prefix = $"Channels:{name}";
            if (!NotificationTrigger.IsKey(name))
            {
                yield return new ValidationResult($"{prefix}: a channel name is 1-64 of a-z, 0-9, '_', '-', starting with a letter.");
            }
            switch (channel.Kind)
            {
                case NotificationChannelKinds.Smtp:
                    if (string.IsNullOrWhiteSpace(channel.Host))
                    {
                        yield return new ValidationResult($"{prefix}:Host is required for an smtp channel.");
                    }
                    if (string.IsNullOrWhiteSpace(channel.From))
                    {
                        yield return new ValidationResult($"{prefix}:From is required for an smtp channel.");
                    }
                    if (channel.Port is < 1 or > 65_535)
                    {
                        yield return new ValidationResult($"{prefix}:Port must be 1-65535.");
                    }
                    if (channel.Security is not ("auto" or "none" or "starttls" or "ssl"))
                    {
                        yield return new ValidationResult($"{prefix}:Security must be auto, none, starttls or ssl.");
                    }
                    break;
                case NotificationChannelKinds.Inbox:
                    break;
                case NotificationChannelKinds.Http:
                    if (string.IsNullOrWhiteSpace(channel.Url))
                    {
                        yield return new ValidationResult($"{prefix}:Url (a template) is required for an http channel.");
                    }
                    if (channel.Method is not ("POST" or "PUT" or "PATCH" or "GET"))
                    {
                        yield return new ValidationResult($"{prefix}:Method must be POST, PUT, PATCH or GET.");
                    }
                    foreach (var problem in NotificationTemplates.Problems(channel))
                    {
                        yield return new ValidationResult($"{prefix}: {problem}");
                    }
                    break;
                default:
                    yield return new ValidationResult($"{prefix}:Kind must be smtp, inbox or http (was '{channel.Kind}').");
                    break;
            }
        }
    }
}

/// <summary>The channel kinds: the transports Cx has. Providers are configuration of one of them.</summary>
public static class NotificationChannelKinds
{
    public const string Smtp = "smtp";
    public const string Inbox = "inbox";
    public const string Http = "http";
}

/// <summary>One channel: its kind, where the customer's address comes from, and the transport's settings.</summary>
public sealed class NotificationChannelOptions
{
    /// <summary><c>smtp</c> (e-mail through MailKit), <c>inbox</c> (stored per customer) or <c>http</c> (a templated request).</summary>
    public string Kind { get; set; } = "";

    /// <summary>The profile field holding the address: <c>email</c> for smtp and <c>phone</c> for http unless set; none for the inbox.</summary>
    public string? AddressField { get; set; }

    /// <summary>smtp: the server's host name.</summary>
    public string? Host { get; set; }

    /// <summary>smtp: the server's port.</summary>
    public int Port { get; set; } = 587;

    /// <summary>smtp: <c>auto</c>, <c>none</c>, <c>starttls</c> or <c>ssl</c>.</summary>
    public string Security { get; set; } = "auto";

    /// <summary>smtp: the account to authenticate as (none: no authentication).</summary>
    public string? UserName { get; set; }

    /// <summary>smtp: the account's password (a secret: app settings or Key Vault reference, never committed).</summary>
    public string? Password { get; set; }

    /// <summary>smtp: the sender, <c>Name &lt;address&gt;</c> or an address.</summary>
    public string? From { get; set; }

    /// <summary>http: the request method.</summary>
    public string Method { get; set; } = "POST";

    /// <summary>http: the URL, a Liquid template (<c>{{ to }}</c>, <c>{{ customer.id }}</c>, ...).</summary>
    public string? Url { get; set; }

    /// <summary>http: the request headers, each value a Liquid template (<c>Authorization: Bearer ...</c>).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>http: the body, a Liquid template (use the <c>json</c> filter for JSON strings: <c>{{ body | json }}</c>).</summary>
    public string? Body { get; set; }

    /// <summary>http: the body's content type.</summary>
    public string ContentType { get; set; } = "application/json";

    /// <summary>The profile field this channel's address is read from, or null for the inbox.</summary>
    public string? Address =>
        AddressField
        ?? Kind switch
        {
            NotificationChannelKinds.Smtp => "email",
            NotificationChannelKinds.Http => "phone",
            _ => null,
        };
}
