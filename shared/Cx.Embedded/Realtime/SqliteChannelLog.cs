using System.Security.Cryptography;
using System.Text.Json;
using Cx.Core.Privacy;
using Cx.Core.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cx.Embedded.Realtime;

/// <summary>
/// The embedded channel log, in the SQLite file of the embedded store: <c>realtime_channels</c>
/// holds each channel's epoch (random, fixed when the channel's first publication is appended) and
/// head offset; <c>realtime_log</c> its publications by offset, unique per (channel, key) so a
/// redelivered change appends nothing. Appends run through the store's writer (group commit).
/// An erasure (ADR 0454) drops the customer's own channel and replaces, in place, every other
/// publication that names the customer or one of their anonymous ids with <see cref="ErasedBody"/>,
/// so other channels keep their offsets gap-free.
/// </summary>
public sealed class SqliteChannelLog(SqliteDatabase database) : IChannelLog, IPersonalDataEraser, IDisposable
{
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _ready;

    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }
        await _schemaLock.WaitAsync(cancellationToken);
        try
        {
            if (!_ready)
            {
                await database.ExecuteSchemaAsync(
                    """
                    CREATE TABLE IF NOT EXISTS realtime_channels (
                        channel TEXT PRIMARY KEY,
                        epoch TEXT NOT NULL,
                        head INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS realtime_log (
                        channel TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        key TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (channel, seq)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX IF NOT EXISTS realtime_log_key ON realtime_log (channel, key);
                    CREATE INDEX IF NOT EXISTS realtime_log_at ON realtime_log (at);
                    """,
                    cancellationToken
                );
                _ready = true;
            }
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    private static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public async ValueTask<IReadOnlyList<ChannelPublication>> AppendAsync(
        IReadOnlyList<ChannelAppend> items,
        CancellationToken cancellationToken
    )
    {
        if (items.Count == 0)
        {
            return [];
        }
        await EnsureSchemaAsync(cancellationToken);
        return await database.WriteAsync(
            (session, _) =>
            {
                var published = new List<ChannelPublication>(items.Count);
                foreach (var item in items)
                {
                    var known = session.Command(
                        "SELECT l.seq, c.epoch, l.body FROM realtime_log l JOIN realtime_channels c ON c.channel = l.channel "
                            + "WHERE l.channel = $c AND l.key = $k"
                    );
                    known.Parameters.AddWithValue("$c", item.Channel);
                    known.Parameters.AddWithValue("$k", item.Key);
                    using (var reader = known.ExecuteReader())
                    {
                        if (reader.Read())
                        {
                            published.Add(new ChannelPublication(item.Channel, reader.GetString(1), reader.GetInt64(0), (byte[])reader[2]));
                            continue;
                        }
                    }
                    var head = session.Command(
                        "INSERT INTO realtime_channels (channel, epoch, head) VALUES ($c, $e, 1) "
                            + "ON CONFLICT (channel) DO UPDATE SET head = head + 1 RETURNING head, epoch"
                    );
                    head.Parameters.AddWithValue("$c", item.Channel);
                    head.Parameters.AddWithValue("$e", NewEpoch());
                    long seq;
                    string epoch;
                    using (var reader = head.ExecuteReader())
                    {
                        reader.Read();
                        seq = reader.GetInt64(0);
                        epoch = reader.GetString(1);
                    }
                    var insert = session.Command("INSERT INTO realtime_log (channel, seq, key, at, body) VALUES ($c, $s, $k, $at, $b)");
                    insert.Parameters.AddWithValue("$c", item.Channel);
                    insert.Parameters.AddWithValue("$s", seq);
                    insert.Parameters.AddWithValue("$k", item.Key);
                    insert.Parameters.AddWithValue("$at", item.At.ToUnixTimeMilliseconds());
                    insert.Parameters.Add("$b", SqliteType.Blob).Value = item.Body.ToArray();
                    insert.ExecuteNonQuery();
                    published.Add(new ChannelPublication(item.Channel, epoch, seq, item.Body));
                }
                return (IReadOnlyList<ChannelPublication>)published;
            },
            cancellationToken
        );
    }

    public async ValueTask<ChannelReplay> ReadSinceAsync(
        string channel,
        ChannelPosition? since,
        DateTimeOffset retainedSince,
        int max,
        CancellationToken cancellationToken
    )
    {
        await EnsureSchemaAsync(cancellationToken);
        var head = database.Read(session => ReadHead(session, channel));
        if (head is null)
        {
            // A channel without publications yet gets its epoch now, so a position taken from this answer stays valid.
            head = await database.WriteAsync(
                (session, _) =>
                {
                    var create = session.Command(
                        "INSERT INTO realtime_channels (channel, epoch, head) VALUES ($c, $e, 0) ON CONFLICT (channel) DO NOTHING"
                    );
                    create.Parameters.AddWithValue("$c", channel);
                    create.Parameters.AddWithValue("$e", NewEpoch());
                    create.ExecuteNonQuery();
                    return ReadHead(session, channel)!;
                },
                cancellationToken
            );
        }
        if (
            since is null
            || since.Epoch != head.Epoch
            || since.Offset < 0
            || since.Offset > head.Offset
            || head.Offset - since.Offset > max
        )
        {
            return new ChannelReplay(head, false, []);
        }
        if (since.Offset == head.Offset)
        {
            return new ChannelReplay(head, true, []);
        }
        return database.Read(session =>
        {
            // Everything after the position must still be in the log and inside the retention window.
            var oldest = session.Command("SELECT MIN(seq) FROM realtime_log WHERE channel = $c AND at >= $cut");
            oldest.Parameters.AddWithValue("$c", channel);
            oldest.Parameters.AddWithValue("$cut", retainedSince.ToUnixTimeMilliseconds());
            if (oldest.ExecuteScalar() is not long first || first > since.Offset + 1)
            {
                return new ChannelReplay(head, false, []);
            }
            var read = session.Command("SELECT seq, body FROM realtime_log WHERE channel = $c AND seq > $s AND seq <= $h ORDER BY seq");
            read.Parameters.AddWithValue("$c", channel);
            read.Parameters.AddWithValue("$s", since.Offset);
            read.Parameters.AddWithValue("$h", head.Offset);
            var publications = new List<ChannelPublication>();
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    publications.Add(new ChannelPublication(channel, head.Epoch, reader.GetInt64(0), (byte[])reader[1]));
                }
            }
            // A gap (a row pruned between the two reads) is never handed out as recovered.
            return publications.Count == head.Offset - since.Offset
                ? new ChannelReplay(head, true, publications)
                : new ChannelReplay(head, false, []);
        });
    }

    private static ChannelPosition? ReadHead(SqliteSession session, string channel)
    {
        var command = session.Command("SELECT epoch, head FROM realtime_channels WHERE channel = $c");
        command.Parameters.AddWithValue("$c", channel);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ChannelPosition(reader.GetString(0), reader.GetInt64(1)) : null;
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await database.WriteAsync(
            (session, _) =>
            {
                var delete = session.Command("DELETE FROM realtime_log WHERE at < $cut");
                delete.Parameters.AddWithValue("$cut", before.ToUnixTimeMilliseconds());
                return delete.ExecuteNonQuery();
            },
            cancellationToken,
            solo: true
        );
    }

    /// <summary>What a publication that named an erased customer carries from then on.</summary>
    public static readonly byte[] ErasedBody = """{"kind":"erased"}"""u8.ToArray();

    public string Store => ErasureStores.RealtimeChannels;

    public async ValueTask<ErasureStep> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var channel = "customer:" + subject.CustomerId;
        List<byte[]> needles =
        [
            JsonSerializer.SerializeToUtf8Bytes(subject.CustomerId),
            .. subject.AnonymousIds.Keys.Select(a => JsonSerializer.SerializeToUtf8Bytes(a)),
        ];
        return await database.WriteAsync(
            (session, _) =>
            {
                var hashes = new List<string>();
                var own = session.Command("SELECT body FROM realtime_log WHERE channel = $c ORDER BY seq");
                own.Parameters.AddWithValue("$c", channel);
                using (var reader = own.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        hashes.Add(Convert.ToHexStringLower(SHA256.HashData((byte[])reader.GetValue(0))));
                    }
                }
                foreach (var table in (string[])["realtime_log", "realtime_channels"])
                {
                    var delete = session.Command($"DELETE FROM {table} WHERE channel = $c");
                    delete.Parameters.AddWithValue("$c", channel);
                    delete.ExecuteNonQuery();
                }
                var naming = session.Command(
                    "SELECT channel, seq, body FROM realtime_log WHERE "
                        + string.Join(" OR ", needles.Select((_, i) => $"instr(body, $n{i}) > 0"))
                );
                for (var i = 0; i < needles.Count; i++)
                {
                    naming.Parameters.AddWithValue($"$n{i}", needles[i]);
                }
                var found = new List<(string Channel, long Seq)>();
                using (var reader = naming.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        found.Add((reader.GetString(0), reader.GetInt64(1)));
                        hashes.Add(Convert.ToHexStringLower(SHA256.HashData((byte[])reader.GetValue(2))));
                    }
                }
                var replace = session.Command("UPDATE realtime_log SET body = $b WHERE channel = $c AND seq = $s");
                replace.Parameters.AddWithValue("$b", ErasedBody);
                var c = replace.Parameters.Add("$c", SqliteType.Text);
                var s = replace.Parameters.Add("$s", SqliteType.Integer);
                foreach (var (name, seq) in found)
                {
                    c.Value = name;
                    s.Value = seq;
                    replace.ExecuteNonQuery();
                }
                return new ErasureStep(Store, "erased", hashes.Count, hashes);
            },
            cancellationToken,
            solo: true
        );
    }

    public void Dispose() => _schemaLock.Dispose();
}
