using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Lifecycle;

/// <summary>Settings of the lifecycle dispatcher, bound from <c>Cx:Hooks</c>.</summary>
public sealed class HookOptions
{
    public const string Section = "Cx:Hooks";

    /// <summary>Changes read per batch and hook.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>How often the background loop polls the change feed when it is idle.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 100;

    /// <summary>Attempts at one change before it is dead-lettered (kept in the store for admins) and skipped.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}
