using System.Net.Sockets;
using Cx.Core.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Cx.Http.Notifications;

/// <summary>
/// The smtp channel's transport: MailKit, one connection per message, the channel's host, port,
/// security and account. A 5xx answer to the message (a mailbox that does not exist) is permanent;
/// a refused connection, a timeout or a 4xx answer is worth another attempt.
/// </summary>
public sealed class MailKitEmailTransport(IOptions<NotificationOptions> options) : IEmailTransport
{
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
        using var client = new SmtpClient { Timeout = options.Value.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(channel.Host!, channel.Port, Security(channel.Security), cancellationToken);
            if (!string.IsNullOrEmpty(channel.UserName))
            {
                await client.AuthenticateAsync(channel.UserName, channel.Password ?? "", cancellationToken);
            }
            var answer = await client.SendAsync(mime, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return ChannelOutcome.Ok("SMTP 250: " + answer);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (SmtpCommandException ex)
        {
            return new ChannelOutcome(false, $"SMTP {(int)ex.StatusCode}: {ex.Message}", Permanent: (int)ex.StatusCode >= 500);
        }
        catch (Exception ex)
            when (ex
                    is SmtpProtocolException
                        or IOException
                        or SocketException
                        or TimeoutException
                        or OperationCanceledException
                        or ServiceNotAuthenticatedException
                        or AuthenticationException
                        or SslHandshakeException
            )
        {
            return new ChannelOutcome(false, ex.Message);
        }
    }

    private static SecureSocketOptions Security(string security) =>
        security switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "ssl" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
}
