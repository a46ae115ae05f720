namespace Cx.Core.Privacy;

/// <summary>
/// Who an erasure is about: the customer, the pseudonym that replaces them where records stay,
/// and each anonymous id identified as them with the pseudonym that replaces it.
/// </summary>
public sealed record ErasureSubject(string CustomerId, string Pseudonym, IReadOnlyDictionary<string, string> AnonymousIds);

/// <summary>
/// A store behind an adapter that can hold a customer's personal data outside the documents and the
/// analytics facts (ADR 0454): the realtime channel log, device sessions, the raw event log. An
/// adapter that can erase its store registers one eraser for it; a store without one is reported
/// in the proof as <c>not-supported-by-provider</c>, never as erased.
/// </summary>
public interface IPersonalDataEraser
{
    /// <summary>The step's name in the proof, one of <see cref="ErasureStores.Adapters"/>.</summary>
    string Store { get; }

    ValueTask<ErasureStep> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken);
}

/// <summary>The stores whose erasure step an adapter provides.</summary>
public static class ErasureStores
{
    /// <summary>Publications of realtime channels (the customer's channel, and publications naming them elsewhere).</summary>
    public const string RealtimeChannels = "realtime-channels";

    /// <summary>Device sessions the customer created, and the publications of their channels.</summary>
    public const string DeviceSessions = "device-sessions";

    /// <summary>The raw event log of the stream (the events as accepted, before and after the analytics applied them).</summary>
    public const string EventLog = "event-log";

    public static IReadOnlyList<string> Adapters { get; } = [RealtimeChannels, DeviceSessions, EventLog];
}

/// <summary>
/// The erasure step of a store reached through a port: the adapter's own when the adapter the port
/// resolves to can erase (it implements <see cref="IPersonalDataEraser"/>), else a step that says
/// the provider cannot (a Redis device-session store, an Event Hubs stream).
/// </summary>
public sealed class PortEraser(string store, object? port) : IPersonalDataEraser
{
    public string Store => store;

    public ValueTask<ErasureStep> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken) =>
        port is IPersonalDataEraser eraser && eraser.Store == store
            ? eraser.EraseAsync(subject, cancellationToken)
            : ValueTask.FromResult(new ErasureStep(store, "not-supported-by-provider", 0, []));
}
