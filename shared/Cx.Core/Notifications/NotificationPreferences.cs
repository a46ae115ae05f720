using System.Text.Json;

namespace Cx.Core.Notifications;

/// <summary>The customer's notification preferences as the send function applies them.</summary>
public sealed class NotificationPreferences
{
    /// <summary>Why the message must not go out to this customer on this channel, or null when it may.</summary>
    public ValueTask<string?> RefusalAsync(
        NotificationMessage message,
        JsonElement profile,
        NotificationChannelOptions channel,
        CancellationToken cancellationToken
    ) => ValueTask.FromResult<string?>(null);

    /// <summary>Counts a sent message against the customer's frequency caps.</summary>
    public ValueTask CountSentAsync(NotificationMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Extra headers of an e-mail.</summary>
    public IEnumerable<KeyValuePair<string, string>> EmailHeaders(NotificationMessage message) => [];
}
