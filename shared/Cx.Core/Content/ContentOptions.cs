using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Content;

/// <summary>Settings of the content model, bound from <c>Cx:Content</c>.</summary>
public sealed class ContentOptions
{
    public const string Section = "Cx:Content";

    /// <summary>
    /// How long an instance trusts its cached definitions before reloading them. A change made
    /// on this instance is visible at once; one made on another instance within this bound.
    /// </summary>
    [Range(0, 3600)]
    public int DefinitionCacheSeconds { get; set; } = 5;

    /// <summary>Default page size of list endpoints.</summary>
    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 25;

    /// <summary>Largest page size a client may ask for.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;
}
