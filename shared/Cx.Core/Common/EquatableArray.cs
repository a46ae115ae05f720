using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cx.Core.Common;

/// <summary>
/// An immutable array with value equality, so definitions built from records compare by
/// content: saving an unchanged definition is a no-op and emits no change event.
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(EquatableArray), nameof(EquatableArray.Create))]
public readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
{
    private readonly ImmutableArray<T> _items;

    public EquatableArray(ImmutableArray<T> items) => _items = items;

    public EquatableArray(IEnumerable<T> items) => _items = [.. items];

    public ImmutableArray<T> Items => _items.IsDefault ? [] : _items;

    public int Count => Items.Length;

    public bool IsEmpty => Count == 0;

    public T this[int index] => Items[index];

    public bool Equals(EquatableArray<T> other) => Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }

    public ImmutableArray<T>.Enumerator GetEnumerator() => Items.GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)Items).GetEnumerator();

    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    public static implicit operator EquatableArray<T>(ImmutableArray<T> items) => new(items);

    public static implicit operator EquatableArray<T>(T[] items) => new(items);
}

/// <summary>Builds <see cref="EquatableArray{T}"/> from collection expressions.</summary>
public static class EquatableArray
{
    public static EquatableArray<T> Create<T>(ReadOnlySpan<T> items) => new(ImmutableArray.Create(items));
}

/// <summary>
/// Lets System.Text.Json handle <see cref="EquatableArray{T}"/> as a native immutable
/// collection, so error paths stay complete (<c>$.fields[1].name</c>), unlike a custom
/// converter whose nested deserialisation restarts the path.
/// </summary>
public sealed class EquatableArrayTypeInfoResolver : DefaultJsonTypeInfoResolver
{
    private static readonly MethodInfo CreateMethod = typeof(EquatableArrayTypeInfoResolver).GetMethod(
        nameof(Create),
        BindingFlags.NonPublic | BindingFlags.Static
    )!;

    public override JsonTypeInfo GetTypeInfo(Type type, JsonSerializerOptions options)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
        {
            return (JsonTypeInfo)CreateMethod.MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [options])!;
        }
        return base.GetTypeInfo(type, options);
    }

    private static JsonTypeInfo<EquatableArray<T>> Create<T>(JsonSerializerOptions options) =>
        JsonMetadataServices.CreateImmutableEnumerableInfo<EquatableArray<T>, T>(
            options,
            new JsonCollectionInfoValues<EquatableArray<T>> { ElementInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)) },
            static items => new EquatableArray<T>(items)
        );
}
