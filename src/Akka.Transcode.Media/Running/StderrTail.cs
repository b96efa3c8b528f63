namespace Akka.Transcode.Media.Running;

/// <summary>The last non-empty stderr lines of a run, kept for the failure report; lines arrive on a process thread.
/// ffmpeg's description of its inputs and outputs (the "Input #0" block with its indented stream lines, "Stream
/// mapping:") is left out: it fills the tail of a run that fails at start-up and hides the line that says why.</summary>
internal sealed class StderrTail(int capacity)
{
    private static readonly string[] Banners = ["Input #", "Output #", "Stream mapping:", "Press [q]"];

    private readonly Queue<string> _lines = new();
    private readonly object _gate = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || IsDescription(line)) return;
        lock (_gate)
        {
            if (_lines.Count == capacity) _lines.Dequeue();
            _lines.Enqueue(line.TrimEnd());
        }
    }

    internal static bool IsDescription(string line) =>
        char.IsWhiteSpace(line[0]) || Banners.Any(b => line.StartsWith(b, StringComparison.Ordinal));

    public string Text
    {
        get
        {
            lock (_gate) return string.Join('\n', _lines);
        }
    }
}
