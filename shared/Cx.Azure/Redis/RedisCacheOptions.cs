using System.ComponentModel.DataAnnotations;

namespace Cx.Azure.Redis;

/// <summary>
/// The L2 of personalization's tagged cache on Redis (<c>Cx:Personalization:CacheProvider=Redis</c>),
/// bound from <c>Cx:Personalization:Redis</c>. Azure Cache for Redis, or any Redis.
/// </summary>
public sealed class PersonalizationRedisOptions
{
    public const string Section = "Cx:Personalization:Redis";

    /// <summary>A StackExchange.Redis connection string; in Azure a Key Vault reference. Required with the Redis provider.</summary>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every cache key, so several apps can share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9:_.-]{1,64}$")]
    public string InstanceName { get; set; } = "cx:cache:";
}
