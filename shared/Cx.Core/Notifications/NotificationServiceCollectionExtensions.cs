using Cx.Core.Common;
using Cx.Core.Lifecycle;
using Cx.Core.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Notifications;

public static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Notifications: <c>Cx:Notifications</c> settings (the channels), the trigger registry, the
    /// delivery log and inbox, the send function, the change hook and event observer that fire
    /// triggers, and the queue handler that sends. The SMTP and HTTP transports
    /// (<see cref="IEmailTransport"/>, <see cref="IHttpChannelTransport"/>) are registered by the HTTP layer.
    /// </summary>
    public static IServiceCollection AddCxNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<NotificationOptions>(configuration, NotificationOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<NotificationTriggerRegistry>();
        services.TryAddSingleton<NotificationLog>();
        services.TryAddSingleton<NotificationPreferences>();
        services.TryAddSingleton<NotificationService>();
        services.TryAddSingleton<NotificationDigests>();
        services.TryAddSingleton<NotificationPreview>();
        services.TryAddSingleton<NotificationDryRun>();
        services.TryAddSingleton<NotificationDeadLetters>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChangeHook, NotificationHook>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQueueHandler, NotificationWorkHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Analytics.IEventBatchObserver, NotificationEventObserver>());
        return services;
    }
}
