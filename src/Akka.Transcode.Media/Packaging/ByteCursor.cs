namespace Akka.Transcode.Media.Packaging;

/// <summary>Forward reading of a file byte by byte through its own buffer, for formats walked marker by marker. The end
/// of the file is an error naming what was cut off, never a -1 to forget to check.</summary>
internal sealed class ByteCursor(Stream stream)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _count;
    private int _index;
    private long _bufferStart;

    public long Position => _bufferStart + _index;

    public bool AtEnd => _index >= _count && !Fill();

    public byte Next(string what)
    {
        if (_index >= _count && !Fill()) throw new PackagingFormatException($"{what} is cut off at offset {Position}");
        return _buffer[_index++];
    }

    public uint UInt32LittleEndian(string what) =>
        Next(what) | (uint)Next(what) << 8 | (uint)Next(what) << 16 | (uint)Next(what) << 24;

    public void Skip(long count, string what)
    {
        var target = Position + count;
        if (target > stream.Length) throw new PackagingFormatException($"{what} at offset {Position} runs past the end of the file");
        if (target <= _bufferStart + _count)
        {
            _index = (int)(target - _bufferStart);
            return;
        }
        stream.Position = target;
        _bufferStart = target;
        _index = _count = 0;
    }

    private bool Fill()
    {
        _bufferStart += _count;
        _index = 0;
        stream.Position = _bufferStart;
        _count = stream.Read(_buffer, 0, _buffer.Length);
        return _count > 0;
    }
}
