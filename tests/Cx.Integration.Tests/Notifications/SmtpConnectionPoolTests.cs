using Cx.Core.Notifications;
using Cx.Http.Notifications;
using Microsoft.Extensions.Options;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// The smtp transport against a real SMTP server (smtp-sink.mjs): connections are pooled and reused
/// across messages, bounded per server, and replaced when the server closed them.
/// </summary>
public sealed class SmtpConnectionPoolTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-smtp-pool-" + Guid.NewGuid().ToString("n"));
    private SmtpSink _smtp = null!;
    private MailKitEmailTransport _transport = null!;
    private NotificationChannelOptions _channel = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _smtp = await SmtpSink.StartAsync(_directory);
        _transport = new MailKitEmailTransport(Options.Create(new NotificationOptions { SmtpConnectionsPerChannel = 2 }));
        _channel = new NotificationChannelOptions
        {
            Kind = NotificationChannelKinds.Smtp,
            Host = "127.0.0.1",
            Port = _smtp.Port,
            Security = "none",
            From = "Shop <shop@example.com>",
        };
    }

    public async Task DisposeAsync()
    {
        _transport.Dispose();
        await _smtp.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private ValueTask<ChannelOutcome> SendAsync(string to, int n) =>
        _transport.SendAsync(new EmailMessage(to, null, "Message " + n, "Body " + n, []), _channel, CancellationToken.None);

    private int Connections() => _smtp.Messages().Select(m => m["connection"]!.GetValue<string>()).Distinct().Count();

    [Fact]
    public async Task Should_send_many_messages_over_one_reused_connection()
    {
        for (var n = 0; n < 20; n++)
        {
            var outcome = await SendAsync($"c{n}@example.com", n);
            Assert.True(outcome.Accepted, outcome.Error);
            Assert.StartsWith("SMTP 250: ", outcome.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(20, _smtp.Messages().Count);
        Assert.Equal(1, Connections());
        Assert.Equal(1, _transport.PoolOf(_channel).Opened);
    }

    [Fact]
    public async Task Should_bound_the_connections_of_concurrent_sends()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(n => SendAsync($"p{n}@example.com", n).AsTask()));

        Assert.All(outcomes, o => Assert.True(o.Accepted, o.Error));
        Assert.Equal(40, _smtp.Messages().Count);
        Assert.InRange(_transport.PoolOf(_channel).Opened, 1, 2);
        Assert.InRange(Connections(), 1, 2);
    }

    [Fact]
    public async Task Should_reconnect_when_the_server_closed_the_pooled_connection()
    {
        Assert.True((await SendAsync("a@example.com", 1)).Accepted);
        Assert.Equal(1, await _smtp.DropConnectionsAsync());

        var outcome = await SendAsync("b@example.com", 2);

        Assert.True(outcome.Accepted, outcome.Error);
        Assert.Equal(2, _transport.PoolOf(_channel).Opened);
        Assert.Equal(["a@example.com", "b@example.com"], _smtp.Messages().Select(m => m["to"]![0]!.GetValue<string>()));
        Assert.Equal(2, Connections());
    }

    [Fact]
    public async Task Should_report_a_refused_recipient_as_permanent_and_keep_sending()
    {
        var refused = await SendAsync("reject-me@example.com", 1);
        var next = await SendAsync("ok@example.com", 2);

        Assert.False(refused.Accepted);
        Assert.True(refused.Permanent);
        Assert.StartsWith("SMTP 550", refused.Error, StringComparison.Ordinal);
        Assert.True(next.Accepted, next.Error);
        Assert.Equal("ok@example.com", Assert.Single(_smtp.Messages())["to"]![0]!.GetValue<string>());
    }
}
