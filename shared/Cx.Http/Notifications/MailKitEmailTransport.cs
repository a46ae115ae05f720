using System.Collections.Concurrent;
using System.Net.Sockets;
using Cx.Core.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Cx.Http.Notifications;

/// <summary>
/// The smtp channel's transport: MailKit over the channel's host, port, security and account, with
/// the connections pooled per server and account (<see cref="SmtpConnectionPool"/>, at most
/// <see cref="NotificationOptions.SmtpConnectionsPerChannel"/>) and reused across messages. A pooled
/// connection that fails before the server answered (closed while idle) is replaced by a new one and
/// the message tried once more on it; a connection that failed otherwise is dropped, not pooled.
/// A 5xx answer to the message (a mailbox that does not exist) is permanent; a refused connection,
/// a timeout or a 4xx answer is worth another attempt.
/// </summary>
public sealed class MailKitEmailTransport(IOptions<NotificationOptions> options) : IEmailTransport, IDisposable
{
    private readonly ConcurrentDictionary<string, SmtpConnectionPool> _pools = new(StringComparer.Ordinal);

    /// <summary>The pool of a channel's server and account (created on first use).</summary>
    public SmtpConnectionPool PoolOf(NotificationChannelOptions channel) =>
        _pools.GetOrAdd(
            $"{channel.Host}|{channel.Port}|{channel.Security}|{channel.UserName}",
            static (_, settings) => new SmtpConnectionPool(settings.SmtpConnectionsPerChannel, settings.TimeoutSeconds * 1000),
            options.Value
        );

    public void Dispose()
    {
        foreach (var pool in _pools.Values)
        {
            pool.Dispose();
        }
    }

    public async ValueTask<ChannelOutcome> SendAsync(
        EmailMessage message,
        NotificationChannelOptions channel,
        CancellationToken cancellationToken
    )
    {
        MimeMessage mime;
        try
        {
            mime = new MimeMessage();
            mime.From.Add(MailboxAddress.Parse(channel.From!));
            mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
            mime.Subject = message.Subject;
            foreach (var (name, value) in message.Headers)
            {
                mime.Headers.Add(name, value);
            }
            mime.Body = new TextPart("plain") { Text = message.TextBody };
        }
        catch (ParseException ex)
        {
            return new ChannelOutcome(false, "Not an e-mail address: " + ex.Message, Permanent: true);
        }
        var pool = PoolOf(channel);
        for (var attempt = 1; ; attempt++)
        {
            var lease = await pool.AcquireAsync(cancellationToken);
            var keep = false;
            try
            {
                var client = lease.Client;
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(channel.Host!, channel.Port, Security(channel.Security), cancellationToken);
                    if (!string.IsNullOrEmpty(channel.UserName))
                    {
                        await client.AuthenticateAsync(channel.UserName, channel.Password ?? "", cancellationToken);
                    }
                }
                var answer = await client.SendAsync(mime, cancellationToken);
                keep = true;
                return ChannelOutcome.Ok("SMTP 250: " + answer);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (SmtpCommandException ex)
            {
                // The server refused: the connection is dropped rather than trusted with the next message.
                return new ChannelOutcome(false, $"SMTP {(int)ex.StatusCode}: {ex.Message}", Permanent: (int)ex.StatusCode >= 500);
            }
            catch (Exception ex) when (lease.Reused && attempt == 1 && IsConnectionFailure(ex))
            {
                // A pooled connection the server closed while idle: a new connection, once.
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || ex is ServiceNotAuthenticatedException or AuthenticationException)
            {
                return new ChannelOutcome(false, ex.Message);
            }
            finally
            {
                pool.Release(lease, keep);
            }
        }
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex
            is SmtpProtocolException
                or IOException
                or SocketException
                or TimeoutException
                or OperationCanceledException
                or ServiceNotConnectedException
                or SslHandshakeException;

    private static SecureSocketOptions Security(string security) =>
        security switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "ssl" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
}
