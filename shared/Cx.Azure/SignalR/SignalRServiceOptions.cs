using System.ComponentModel.DataAnnotations;

namespace Cx.Azure.SignalR;

/// <summary>Azure SignalR Service in serverless mode (<c>Cx:Realtime:Provider=SignalRService</c>), bound from <c>Cx:Realtime:SignalR</c>.</summary>
public sealed class SignalRServiceOptions
{
    public const string Section = "Cx:Realtime:SignalR";

    /// <summary>
    /// The service's connection string, <c>Endpoint=https://{name}.service.signalr.net;AccessKey=...;Version=1.0;</c>
    /// (optionally <c>Port=</c>); in Azure a Key Vault reference. Required with this provider.
    /// </summary>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>Timeout of one REST call to the service.</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;
}
