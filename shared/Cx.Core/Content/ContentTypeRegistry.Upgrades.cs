using Cx.Core.Documents;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Content;

/// <summary>
/// Built-in definitions move on with the code: at start-up a stored built-in type or component
/// that lacks fields of the code's definition gets them appended. Additive only (a stored field,
/// even one an admin changed or added with the same name, is never removed or replaced), one
/// version step per upgrade, audited (<c>contentType.upgraded</c>, <c>component.upgraded</c>), and
/// idempotent: a definition that has every field is not written.
/// </summary>
public sealed partial class ContentTypeRegistry
{
    public const string ContentTypeUpgraded = "contentType.upgraded";

    public const string ComponentUpgraded = "component.upgraded";

    /// <summary>Appends the fields of <paramref name="builtIn"/> that the stored definition lacks; returns their names (empty: nothing written).</summary>
    private async Task<IReadOnlyList<string>> UpgradeBuiltInAsync<T>(
        string documentType,
        string key,
        T builtIn,
        CancellationToken cancellationToken
    )
        where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await ReadAsync<T>(documentType, key, cancellationToken);
            if (current is null)
            {
                return [];
            }
            var (upgraded, added) = Additions(current.Definition, builtIn);
            if (added.Count == 0)
            {
                return [];
            }
            try
            {
                await ReplaceDocumentAsync(documentType, key, upgraded, current.Document, null, cancellationToken);
            }
            catch (ETagMismatchException) when (attempt < 3)
            {
                continue; // another instance upgraded (or an admin saved) meanwhile: read again
            }
            var version = upgraded is ContentType t ? t.Version : ((ComponentDefinition)(object)upgraded).Version;
            LogBuiltInUpgraded(logger, documentType, key, version, added);
            if (audit is not null)
            {
                await audit.RecordAsync(
                    "system",
                    "Cx",
                    documentType == ContentTypeDocument ? ContentTypeUpgraded : ComponentUpgraded,
                    documentType,
                    key,
                    true,
                    new { added, version },
                    cancellationToken
                );
            }
            return added;
        }
    }

    private static (T Upgraded, IReadOnlyList<string> Added) Additions<T>(T stored, T builtIn)
        where T : class
    {
        switch (stored, builtIn)
        {
            case (ContentType s, ContentType b):
            {
                var missing = Missing(s.Fields, b.Fields);
                return missing.Count == 0
                    ? (stored, [])
                    : (
                        (T)(object)(s with { Fields = [.. s.Fields, .. missing], Version = s.Version + 1 }),
                        [.. missing.Select(f => f.Name)]
                    );
            }
            case (ComponentDefinition s, ComponentDefinition b):
            {
                var missing = Missing(s.Fields, b.Fields);
                return missing.Count == 0
                    ? (stored, [])
                    : (
                        (T)(object)(s with { Fields = [.. s.Fields, .. missing], Version = s.Version + 1 }),
                        [.. missing.Select(f => f.Name)]
                    );
            }
            default:
                return (stored, []);
        }
    }

    private static List<FieldDefinition> Missing(IEnumerable<FieldDefinition> stored, IEnumerable<FieldDefinition> builtIn)
    {
        var names = stored.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return [.. builtIn.Where(f => !names.Contains(f.Name))];
    }

    [LoggerMessage(
        EventId = 1005,
        Level = LogLevel.Information,
        Message = "Upgraded built-in {DocumentType} {Key} to version {Version}: added {Fields}"
    )]
    private static partial void LogBuiltInUpgraded(
        ILogger logger,
        string documentType,
        string key,
        int version,
        IReadOnlyList<string> fields
    );
}
