using Cx.Core.Identity;
using Cx.Http.Events;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Events;

/// <summary>Behavioural events: capture, identify and the stream status.</summary>
public sealed class EventFunctions(EventEndpoints endpoints)
{
    [Access(Permissions.EventsWrite, SelfInBody = true, RateLimit = RateLimitGroups.Events)]
    [Function(nameof(TrackEvents))]
    public Task<IResult> TrackEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = EventRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.IngestAsync(request, cancellationToken);

    [Access(Permissions.EventsWrite, SelfInBody = true, RateLimit = RateLimitGroups.Events)]
    [Function(nameof(Identify))]
    public Task<IResult> Identify(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = EventRoutes.Identify)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.IdentifyAsync(request, cancellationToken);

    [Access(Permissions.EventsRead)]
    [Function(nameof(GetEventStreamStatus))]
    public Task<IResult> GetEventStreamStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.Status)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.StatusAsync(request, cancellationToken);
}

/// <summary>Event-type definitions: the registry of event names and their property schemas.</summary>
public sealed class EventTypeFunctions(EventTypeEndpoints endpoints)
{
    [Access(Permissions.SchemaRead)]
    [Function(nameof(ListEventTypes))]
    public Task<IResult> ListEventTypes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.Types)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(CreateEventType))]
    public Task<IResult> CreateEventType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = EventRoutes.Types)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.SchemaRead)]
    [Function(nameof(GetEventType))]
    public Task<IResult> GetEventType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.TypeByKey)] HttpRequest request,
        string eventType,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, eventType, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(ReplaceEventType))]
    public Task<IResult> ReplaceEventType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = EventRoutes.TypeByKey)] HttpRequest request,
        string eventType,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, eventType, cancellationToken);

    [Access(Permissions.SchemaRead)]
    [Function(nameof(GetEventTypeSettings))]
    public Task<IResult> GetEventTypeSettings(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.TypeSettings)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.GetSettingsAsync(request, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(ReplaceEventTypeSettings))]
    public Task<IResult> ReplaceEventTypeSettings(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = EventRoutes.TypeSettings)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.PutSettingsAsync(request, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(DeleteEventType))]
    public Task<IResult> DeleteEventType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = EventRoutes.TypeByKey)] HttpRequest request,
        string eventType,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, eventType, cancellationToken);
}

/// <summary>A customer's behaviour: the timeline of events and behavioural aggregates.</summary>
public sealed class CustomerBehaviorFunctions(CustomerBehaviorEndpoints endpoints)
{
    [Access(Permissions.EventsRead, Self = "customerId")]
    [Function(nameof(GetCustomerTimeline))]
    public Task<IResult> GetCustomerTimeline(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.Timeline)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.TimelineAsync(request, customerId, cancellationToken);

    [Access(Permissions.EventsRead, Self = "customerId")]
    [Function(nameof(GetCustomerBehavior))]
    public Task<IResult> GetCustomerBehavior(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EventRoutes.Behavior)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.BehaviorAsync(request, customerId, cancellationToken);
}
