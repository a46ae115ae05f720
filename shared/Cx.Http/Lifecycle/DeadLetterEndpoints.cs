using System.Text.Json;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Lifecycle;

/// <summary>
/// The dead letters of lifecycle hooks, for admins: list (newest failure first), inspect (with the
/// change's bodies), replay, discard. Replays and discards are audited by <see cref="DeadLetterService"/>.
/// </summary>
public sealed partial class DeadLetterEndpoints(DeadLetterService deadLetters, IOptions<ContentOptions> content)
{
    private const string Scope = "dead-letters";

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdFormat();

    [GeneratedRegex(DeadLetterRoutes.HookPattern, RegexOptions.CultureInvariant)]
    private static partial Regex HookFormat();

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            content.Value,
            Scope,
            "Dead letters are listed newest failure first, without field selection.",
            allowFilters: true
        );
        string? hook = null;
        HookFailureStatus? status = null;
        var errors = new List<FieldError>();
        foreach (var filter in page.Parameters.Filters)
        {
            if (filter is { Field: "hook", Operator: "eq" } && HookFormat().IsMatch(filter.Value))
            {
                hook = filter.Value;
            }
            else if (filter is { Field: "status", Operator: "eq" } && HookFailureStore.TryParseStatus(filter.Value, out var parsed))
            {
                status = parsed;
            }
            else
            {
                errors.Add(
                    new(
                        filter.Parameter,
                        "not-filterable",
                        "Filter on hook (a hook name) or status (retrying, dead, replayed), equality only.",
                        ErrorLocation.Query
                    )
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var found = await deadLetters.ListAsync(hook, status, page.Limit, page.After, cancellationToken);
        var items = found.Items.Select(d => View(HookFailureStore.FromDocument(d), bodies: false)).ToList();
        var next = page.NextCursor(found.Next);
        if (next is not null)
        {
            request.HttpContext.Response.Headers.Link = $"<{PageRequest.NextLink(request, next)}>; rel=\"next\"";
        }
        return Results.Json(new ItemsPage<DeadLetterView>(items, next), DeadLetterJsonContext.Relaxed.ItemsPageDeadLetterView);
    }

    public async Task<IResult> GetAsync(HttpRequest request, string hook, string deadLetterId, CancellationToken cancellationToken)
    {
        CheckRoute(request, hook, deadLetterId);
        var failure = await deadLetters.GetAsync(hook, deadLetterId, cancellationToken);
        return Results.Json(View(failure, bodies: true), DeadLetterJsonContext.Relaxed.DeadLetterView);
    }

    public async Task<IResult> ReplayAsync(HttpRequest request, string hook, string deadLetterId, CancellationToken cancellationToken)
    {
        CheckRoute(request, hook, deadLetterId);
        var (outcome, failure) = await deadLetters.ReplayAsync(hook, deadLetterId, cancellationToken);
        var name = outcome switch
        {
            ReplayOutcome.Replayed => "replayed",
            ReplayOutcome.AlreadyReplayed => "already-replayed",
            _ => "failed",
        };
        return Results.Json(
            new DeadLetterReplayView(name, View(failure, bodies: false)),
            DeadLetterJsonContext.Relaxed.DeadLetterReplayView
        );
    }

    public async Task<IResult> DiscardAsync(HttpRequest request, string hook, string deadLetterId, CancellationToken cancellationToken)
    {
        CheckRoute(request, hook, deadLetterId);
        await deadLetters.DiscardAsync(hook, deadLetterId, cancellationToken);
        return NoContentResult.Instance;
    }

    private static void CheckRoute(HttpRequest request, string hook, string deadLetterId)
    {
        QueryParameters.RejectAny(request);
        var errors = new List<FieldError>();
        if (!HookFormat().IsMatch(hook))
        {
            errors.Add(new("hook", "pattern", "A hook name: lower-case letters, digits and hyphens.", ErrorLocation.Route));
        }
        if (!IdFormat().IsMatch(deadLetterId))
        {
            errors.Add(new("deadLetterId", "pattern", "A dead letter id: 40 lower-case hexadecimal digits.", ErrorLocation.Route));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The route is not valid.");
        }
    }

    private static DeadLetterView View(HookFailure failure, bool bodies)
    {
        var change = failure.Change;
        return new DeadLetterView(
            failure.Id,
            failure.Hook,
            HookFailureStore.StatusName(failure.Status),
            failure.Attempts,
            Instants.Format(failure.FirstFailedAt),
            Instants.Format(failure.LastFailedAt),
            new DeadLetterErrorView(failure.ErrorType, failure.ErrorMessage),
            new DeadLetterChangeView(
                change.Position,
                change.Container,
                change.Id,
                change.PartitionKey,
                change.Type,
                change.Kind == ChangeKind.Delete ? "delete" : "upsert",
                change.ETag,
                Instants.Format(change.CommittedAt),
                bodies ? Element(change.Before) : null,
                bodies ? Element(change.After) : null
            ),
            failure.DeadAt is { } dead ? Instants.Format(dead) : null,
            failure.ReplayedAt is { } replayed ? Instants.Format(replayed) : null,
            failure.ReplayedBy
        );
    }

    private static JsonElement? Element(ReadOnlyMemory<byte>? body)
    {
        if (body is not { } json)
        {
            return null;
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
