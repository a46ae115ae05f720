using System.Collections.Concurrent;
using MailKit.Net.Smtp;

namespace Cx.Http.Notifications;

/// <summary>
/// The open SMTP connections of one server and account, reused across messages: at most
/// <c>size</c> connections at once (a send waits for a free one), idle ones kept for the next send.
/// A connection that failed is never put back; one that the server closed while idle is found
/// closed when it is taken and replaced by a new one.
/// </summary>
public sealed class SmtpConnectionPool(int size, int timeoutMilliseconds) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(size, size);
    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private int _opened;
    private bool _disposed;

    /// <summary>Connections this pool has created (each one is one TCP connection to the server).</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Takes an idle connection (or a new, not yet connected client) once a slot is free.</summary>
    public async ValueTask<SmtpLease> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        while (_idle.TryTake(out var idle))
        {
            if (idle.IsConnected)
            {
                return new SmtpLease(idle, Reused: true);
            }
            idle.Dispose();
        }
        Interlocked.Increment(ref _opened);
        return new SmtpLease(new SmtpClient { Timeout = timeoutMilliseconds }, Reused: false);
    }

    /// <summary>Gives the slot back; the connection is kept for the next send when <paramref name="keep"/> and still open.</summary>
    public void Release(SmtpLease lease, bool keep)
    {
        if (keep && lease.Client.IsConnected && !Volatile.Read(ref _disposed))
        {
            _idle.Add(lease.Client);
        }
        else
        {
            lease.Client.Dispose();
        }
        _slots.Release();
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_idle.TryTake(out var client))
        {
            client.Dispose();
        }
    }
}

/// <summary>A connection taken from the pool; <see cref="Reused"/> when it carried an earlier message.</summary>
public readonly record struct SmtpLease(SmtpClient Client, bool Reused);
