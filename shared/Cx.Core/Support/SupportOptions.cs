using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Support;

/// <summary>Settings of the support model, bound from <c>Cx:Support</c>.</summary>
public sealed class SupportOptions
{
    public const string Section = "Cx:Support";

    /// <summary>Most tickets the support context returns (open ones first, then the most recent past ones).</summary>
    [Range(1, 500)]
    public int ContextTickets { get; set; } = 50;

    /// <summary>Most recent interactions, self-service events and timeline events the support context returns (each).</summary>
    [Range(1, 200)]
    public int ContextRecent { get; set; } = 20;

    /// <summary>Most recent orders the support context returns (newest first, with status, items and totals).</summary>
    [Range(1, 200)]
    public int ContextOrders { get; set; } = 10;

    /// <summary>A ticket opened this long after a customer viewed an article or form counts against it (deflection report).</summary>
    [Range(1, 720)]
    public int DeflectionWindowHours { get; set; } = 72;
}
