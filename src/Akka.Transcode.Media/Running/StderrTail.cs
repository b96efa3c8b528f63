namespace Akka.Transcode.Media.Running;

/// <summary>The last non-empty stderr lines of a run, kept for the failure report; lines arrive on a process thread.</summary>
internal sealed class StderrTail(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly object _gate = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (_gate)
        {
            if (_lines.Count == capacity) _lines.Dequeue();
            _lines.Enqueue(line.TrimEnd());
        }
    }

    public string Text
    {
        get
        {
            lock (_gate) return string.Join('\n', _lines);
        }
    }
}
