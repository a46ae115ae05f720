using Cx.Core.Common;

namespace Cx.Core.Documents;

public sealed class DocumentExistsException(string container, DocumentKey key)
    : ConflictException("already-exists", $"A document with id '{key.Id}' already exists.")
{
    public string Container { get; } = container;

    public DocumentKey Key { get; } = key;
}

public sealed class UniqueValueTakenException(UniqueValue value, string ownerId)
    : ConflictException("unique-violation", $"The value of '{value.Scope}' is already used by another document.")
{
    public UniqueValue Value { get; } = value;

    public string OwnerId { get; } = ownerId;
}

public sealed class DocumentNotFoundException(string container, DocumentKey key) : NotFoundException("Document", key.Id)
{
    public string Container { get; } = container;
}

public sealed class ETagMismatchException(DocumentKey key)
    : PreconditionFailedException($"The document '{key.Id}' was changed by someone else (ETag mismatch).")
{
    public DocumentKey Key { get; } = key;
}
