using Cx.Core.Documents;
using Cx.Core.Portability;

namespace Cx.Core.Privacy;

/// <summary>
/// One part of an access bundle: a name (<c>profile</c>, <c>content/ticket</c>, <c>events</c>, ...),
/// the columns its CSV file has, and its items, read one page at a time when the bundle is written.
/// </summary>
public sealed record PersonalDataSection(
    string Name,
    IReadOnlyList<ExportColumn> Columns,
    Func<CancellationToken, IAsyncEnumerable<IReadOnlyList<StoredDocument>>> Pages
);

/// <summary>Everything held about one customer, as sections to stream (see <see cref="PersonalDataWriter"/>).</summary>
public sealed record PersonalDataBundle(
    string CustomerId,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<PersonalField> PersonalFields,
    IReadOnlyList<PersonalDataSection> Sections
);
