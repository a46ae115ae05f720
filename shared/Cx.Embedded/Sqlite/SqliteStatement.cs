using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// A statement prepared once per connection and driven through the SQLite C API: positional
/// binds without boxing, name lookups or copies of spans, for the few statements run once per
/// event. Everything else goes through <see cref="SqliteSession.Command"/>. Not thread-safe
/// (one user of the session at a time), and it joins whatever transaction the connection has.
/// </summary>
public sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    internal SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
    }

    /// <summary>Binds an integer to the 1-based parameter <paramref name="index"/>.</summary>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));

    /// <summary>Binds text, or NULL when <paramref name="value"/> is null.</summary>
    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));

    /// <summary>Binds a blob (SQLite copies it before this returns).</summary>
    public void Bind(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_stmt, index, value));

    /// <summary>Runs the statement to completion and returns the rows it changed; the bindings are cleared.</summary>
    public int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_stmt);
            while (rc == raw.SQLITE_ROW)
            {
                rc = raw.sqlite3_step(_stmt);
            }
            if (rc != raw.SQLITE_DONE)
            {
                Check(rc);
            }
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>
    /// Steps to the next row of a query: true when there is one (read it with <see cref="Int64"/>
    /// and <see cref="Blob"/>), false when the query is done. Call <see cref="Reset"/> after the
    /// last row read (in a finally), which also clears the bindings.
    /// </summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }
        if (rc != raw.SQLITE_DONE)
        {
            Check(rc);
        }
        return false;
    }

    /// <summary>The integer in the 0-based <paramref name="column"/> of the current row.</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(_stmt, column);

    /// <summary>The blob in the 0-based <paramref name="column"/> of the current row: SQLite's own memory, valid until the next step.</summary>
    public ReadOnlySpan<byte> Blob(int column) => raw.sqlite3_column_blob(_stmt, column);

    /// <summary>Makes the statement ready to run again and clears its bindings.</summary>
    public void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    public void Dispose() => _stmt.Dispose();
}
