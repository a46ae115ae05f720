namespace Cx.Core.Portability;

/// <summary>
/// A write-only stream that collects what a format library writes (synchronously or not) until
/// <see cref="DrainToAsync"/> copies it to the real output asynchronously; it holds at most what
/// was written since the last drain (one page, one row group). Its position counts every byte
/// ever written, which is what the Parquet writer needs for its footer offsets.
/// </summary>
internal sealed class SpoolStream : Stream
{
    private readonly MemoryStream buffer = new();

    private long drained;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => drained + buffer.Length;

    public override long Position
    {
        get => Length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => this.buffer.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => this.buffer.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        this.buffer.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        this.buffer.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void WriteByte(byte value) => buffer.WriteByte(value);

    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task DrainToAsync(Stream output, CancellationToken cancellationToken)
    {
        var length = (int)buffer.Length;
        if (length == 0)
        {
            return;
        }
        await output.WriteAsync(buffer.GetBuffer().AsMemory(0, length), cancellationToken);
        drained += length;
        buffer.SetLength(0);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            buffer.Dispose();
        }
        base.Dispose(disposing);
    }
}
