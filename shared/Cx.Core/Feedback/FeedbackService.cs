using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cx.Core.Feedback;

/// <summary>Records a customer's feedback and scores the sentiment of texts not scored yet.</summary>
public sealed class FeedbackService(
    EntryService entries,
    SentimentScorer scorer,
    TimeProvider time,
    IOptions<FeedbackOptions> options,
    IOptions<ContentOptions> content
)
{
    private static readonly string[] ClientFields = ["nps", "text", "session", "id"];

    public async Task<StoredDocument> RecordAsync(string customerId, JsonObject body, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (!ClientFields.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new FieldError("/" + name, "read-only", $"'{name}' is not given by the customer: nps, text and session are."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
        await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        body["customer"] = customerId;
        body["at"] = Instants.Format(time.GetUtcNow());
        return await entries.CreateAsync(FeedbackModel.TypeKey, body, cancellationToken, WriteActor.System);
    }

    /// <summary>Scores up to one batch of feedback with no sentiment yet, oldest first; how many were scored.</summary>
    public async Task<int> ScoreNewAsync(CancellationToken cancellationToken)
    {
        var scored = 0;
        var budget = options.Value.ScoreBatchSize;
        while (budget > 0)
        {
            // Scored entries leave the filter, so each page starts from the front again.
            var (_, page) = await entries.ListAsync(
                FeedbackModel.TypeKey,
                new EntryListRequest
                {
                    Filters = [new RawFilter("sentimentModel", "exists", "false", "sentimentModel")],
                    Sort = ["at"],
                    Limit = Math.Min(budget, content.Value.MaxPageSize),
                },
                cancellationToken
            );
            if (page.Items.Count == 0)
            {
                break;
            }
            var before = scored;
            foreach (var document in page.Items)
            {
                budget--;
                scored += await ScoreAsync(document, cancellationToken) ? 1 : 0;
            }
            if (scored == before)
            {
                break; // every entry of the page moved on meanwhile: the next pass sees them
            }
        }
        return scored;
    }

    private async Task<bool> ScoreAsync(StoredDocument document, CancellationToken cancellationToken)
    {
        string? text;
        using (var json = JsonDocument.Parse(document.Json))
        {
            text =
                json.RootElement.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        var result = scorer.Score(text ?? "");
        var patch = new JsonObject
        {
            ["sentimentScore"] = JsonNode.Parse(result.Score.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["sentimentLabel"] = result.Label,
            ["keyPhrases"] = new JsonArray([.. result.KeyPhrases.Select(p => (JsonNode)JsonValue.Create(p))]),
            ["sentimentModel"] = SentimentScorer.ModelName,
            ["sentimentModelVersion"] = SentimentScorer.ModelVersion,
        };
        try
        {
            await entries.PatchAsync(FeedbackModel.TypeKey, document.Id, patch, document.ETag, cancellationToken, WriteActor.System);
            return true;
        }
        catch (Exception e) when (e is PreconditionFailedException or NotFoundException)
        {
            return false; // changed or deleted meanwhile: the next pass sees it again (or never)
        }
    }
}
