namespace Cx.Core.Documents;

/// <summary>Where a document lives inside its container.</summary>
public readonly record struct DocumentKey(string PartitionKey, string Id);

/// <summary>
/// A document as the store holds it. <see cref="Json"/> is the UTF-8 JSON the product wrote,
/// without any store-internal properties; <see cref="ETag"/> is opaque and unquoted.
/// </summary>
public sealed record StoredDocument(string Id, string PartitionKey, string Type, string ETag, ReadOnlyMemory<byte> Json)
{
    public DocumentKey Key => new(PartitionKey, Id);
}

/// <summary>
/// A value that must be unique within <see cref="Scope"/> across the whole container (for
/// example scope <c>customer.email</c>). The adapter enforces it atomically with the write.
/// </summary>
public readonly record struct UniqueValue(string Scope, string Value);

/// <summary>A document to write: identity, type, body and the unique values it claims.</summary>
public sealed record DocumentWrite(string Id, string PartitionKey, string Type, ReadOnlyMemory<byte> Json)
{
    public IReadOnlyList<UniqueValue> UniqueValues { get; init; } = [];

    public DocumentKey Key => new(PartitionKey, Id);
}
