using Cx.Core.Identity;
using Cx.Http.Notifications;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Notifications;

/// <summary>Notifications: triggers as definition documents, a customer's inbox and delivery log, and direct sends.</summary>
public sealed class NotificationFunctions(NotificationEndpoints endpoints)
{
    [Access(Permissions.NotificationsManage)]
    [Function(nameof(ListNotificationTriggers))]
    public Task<IResult> ListNotificationTriggers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.Triggers)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListTriggersAsync(request, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(CreateNotificationTrigger))]
    public Task<IResult> CreateNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.Triggers)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateTriggerAsync(request, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(GetNotificationTrigger))]
    public Task<IResult> GetNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.TriggerByKey)] HttpRequest request,
        string triggerKey,
        CancellationToken cancellationToken
    ) => endpoints.GetTriggerAsync(request, triggerKey, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(ReplaceNotificationTrigger))]
    public Task<IResult> ReplaceNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = NotificationRoutes.TriggerByKey)] HttpRequest request,
        string triggerKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceTriggerAsync(request, triggerKey, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(DeleteNotificationTrigger))]
    public Task<IResult> DeleteNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = NotificationRoutes.TriggerByKey)] HttpRequest request,
        string triggerKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteTriggerAsync(request, triggerKey, cancellationToken);

    [Access(Permissions.CustomersRead, Self = "customerId")]
    [Function(nameof(ListCustomerInbox))]
    public Task<IResult> ListCustomerInbox(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.Inbox)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.ListInboxAsync(request, customerId, cancellationToken);

    [Access(Permissions.CustomersWrite, Self = "customerId")]
    [Function(nameof(MarkInboxMessageRead))]
    public Task<IResult> MarkInboxMessageRead(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.InboxRead)] HttpRequest request,
        string customerId,
        string messageId,
        CancellationToken cancellationToken
    ) => endpoints.MarkReadAsync(request, customerId, messageId, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(ListCustomerNotifications))]
    public Task<IResult> ListCustomerNotifications(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.Deliveries)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.ListDeliveriesAsync(request, customerId, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(SendCustomerNotification))]
    public Task<IResult> SendCustomerNotification(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.Deliveries)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.SendAsync(request, customerId, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(PreviewNotificationTrigger))]
    public Task<IResult> PreviewNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.Preview)] HttpRequest request,
        string triggerKey,
        CancellationToken cancellationToken
    ) => endpoints.PreviewAsync(request, triggerKey, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(DryRunNotificationTrigger))]
    public Task<IResult> DryRunNotificationTrigger(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.DryRun)] HttpRequest request,
        string triggerKey,
        CancellationToken cancellationToken
    ) => endpoints.DryRunAsync(request, triggerKey, cancellationToken);

    [Access(Permissions.CustomersRead, Self = "customerId")]
    [Function(nameof(GetNotificationPreferences))]
    public Task<IResult> GetNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.Preferences)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.GetPreferencesAsync(request, customerId, cancellationToken);

    [Access(Permissions.CustomersWrite, Self = "customerId")]
    [Function(nameof(UpdateNotificationPreferences))]
    public Task<IResult> UpdateNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = NotificationRoutes.Preferences)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.UpdatePreferencesAsync(request, customerId, cancellationToken);

    /// <summary>The one-click unsubscribe link of e-mails: anonymous, authorized by its HMAC signature.</summary>
    [Access(AccessAttribute.Anonymous, RateLimit = RateLimitGroups.Auth)]
    [Function(nameof(UnsubscribeNotifications))]
    public Task<IResult> UnsubscribeNotifications(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.Unsubscribe)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.UnsubscribeAsync(request, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(ListNotificationDeadLetters))]
    public Task<IResult> ListNotificationDeadLetters(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = NotificationRoutes.DeadLetters)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListDeadLettersAsync(request, cancellationToken);

    [Access(Permissions.NotificationsManage)]
    [Function(nameof(ReplayNotificationDeadLetter))]
    public Task<IResult> ReplayNotificationDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = NotificationRoutes.ReplayDeadLetter)] HttpRequest request,
        string messageId,
        CancellationToken cancellationToken
    ) => endpoints.ReplayDeadLetterAsync(request, messageId, cancellationToken);
}
