using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Privacy;

/// <summary>Settings of privacy requests (access and erasure), bound from <c>Cx:Privacy</c>.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Cx:Privacy";

    /// <summary>
    /// Items read per page from each store while an access request streams its bundle. Large pages
    /// matter for events: each page of a timeline is one ordered query over the customer's facts.
    /// </summary>
    [Range(10, 20_000)]
    public int AccessPageSize { get; set; } = 5000;
}
