using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Events;

/// <summary>An identify call: the anonymous id and exactly one way to name the customer.</summary>
public sealed record IdentifyRequest(string? AnonymousId, string? CustomerId, string? Email, string? AuthId);

public sealed record IdentifyResult(string AnonymousId, string CustomerId, bool Linked);

/// <summary>
/// Identify: links an anonymous id to a customer, named by id, e-mail or auth id (the latter
/// two resolve to the customer profile that holds them). Rules:
/// <list type="bullet">
/// <item>junk identifiers are refused (<see cref="IdentityRules"/>), 400 <c>junk-identifier</c>;</item>
/// <item>an anonymous id joins at most one customer: the first link wins, a second customer gets 409 <c>already-linked</c>;</item>
/// <item>a customer absorbs at most <see cref="EventOptions.MaxAliasesPerCustomer"/> anonymous ids (409 <c>alias-limit</c>);</item>
/// <item>identify is idempotent: repeating a link changes nothing (<c>linked: false</c>).</item>
/// </list>
/// Links are resolved when aggregates are read, so the anonymous history (earlier and later
/// events alike) counts for the customer exactly once, whatever the order of events and identify.
/// </summary>
public sealed partial class IdentityService(
    IIdentityLinkStore identities,
    IDocumentStore documents,
    IEnumerable<IEventBatchObserver> observers,
    TimeProvider time,
    IOptions<EventOptions> options,
    ILogger<IdentityService> logger
)
{
    public async Task<IdentifyResult> IdentifyAsync(IdentifyRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        Check(request.AnonymousId, "/anonymousId", errors, required: true);
        var named = (request.CustomerId is null ? 0 : 1) + (request.Email is null ? 0 : 1) + (request.AuthId is null ? 0 : 1);
        if (named != 1)
        {
            errors.Add(new("/customerId", "one-of", "Name the customer with exactly one of customerId, email or authId."));
        }
        if (request.CustomerId is not null)
        {
            Check(request.CustomerId, "/customerId", errors, required: true);
        }
        if (
            request.Email is not null
            && (IdentityRules.IsJunk(request.Email) || !Content.EntryValidator.IsEmail(request.Email.Trim().ToLowerInvariant()))
        )
        {
            errors.Add(new("/email", "email", "Must be an e-mail address such as ana@example.com."));
        }
        if (request.AuthId is not null && (IdentityRules.IsJunk(request.AuthId) || request.AuthId.Length > 255))
        {
            errors.Add(new("/authId", "junk-identifier", "Must be a real auth subject (not empty, null, -1, anonymous, ...)."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The identify request is not valid.");
        }
        CurrentActor
            .Get()
            .EnsureOwns(
                Permissions.EventsWrite,
                request.CustomerId,
                "A customer token links anonymous ids to itself only: send the caller's customerId."
            );
        var customerId =
            request.CustomerId
            ?? await FindCustomerAsync(
                request.Email is not null ? "email" : "authId",
                request.Email?.Trim().ToLowerInvariant() ?? request.AuthId!,
                cancellationToken
            );
        var outcome = await identities.LinkAsync(
            request.AnonymousId!,
            customerId,
            options.Value.MaxAliasesPerCustomer,
            time.GetUtcNow(),
            cancellationToken
        );
        switch (outcome)
        {
            case LinkOutcome.LinkedToAnother:
                throw new ConflictException(
                    "already-linked",
                    "This anonymous id already belongs to another customer; an anonymous id joins one customer only.",
                    [new FieldError("/anonymousId", "already-linked", "Linked to another customer.")]
                );
            case LinkOutcome.LimitReached:
                throw new ConflictException(
                    "alias-limit",
                    $"The customer has absorbed the maximum of {options.Value.MaxAliasesPerCustomer} anonymous ids.",
                    [new FieldError("/anonymousId", "alias-limit", "No more anonymous ids can join this customer.")]
                );
        }
        if (outcome == LinkOutcome.Linked)
        {
            LogLinked(logger, customerId);
            var summary = new EventBatchSummary([customerId], [request.AnonymousId!], [], time.GetUtcNow());
            foreach (var observer in observers)
            {
                try
                {
                    await observer.OnBatchCommittedAsync(summary, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogObserverFailed(logger, ex, observer.GetType().Name);
                }
            }
        }
        return new IdentifyResult(request.AnonymousId!, customerId, outcome == LinkOutcome.Linked);
    }

    private static void Check(string? value, string pointer, List<FieldError> errors, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add(new(pointer, "required", $"'{pointer[1..]}' is required."));
            }
            return;
        }
        if (IdentityRules.Check(value) is { } problem)
        {
            errors.Add(new(pointer, problem.Code, problem.Detail));
        }
    }

    private async Task<string> FindCustomerAsync(string field, string value, CancellationToken cancellationToken)
    {
        var page = await documents.QueryAsync(
            Containers.Customers,
            new DocumentQuery
            {
                Type = CustomerProfile.TypeKey,
                Filter = new Comparison(FieldPath.Parse(field), ComparisonOperator.Eq, ScalarValue.From(value)),
                Limit = 1,
            },
            cancellationToken
        );
        return page.Items.Count > 0 ? page.Items[0].Id : throw new NotFoundException("Customer with this " + field, value);
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Anonymous history merged into customer {CustomerId}")]
    private static partial void LogLinked(ILogger logger, string customerId);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Event observer {Observer} failed")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception, string observer);
}
