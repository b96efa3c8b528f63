using System.Security.Cryptography;
using System.Text;
using Akka.Actor;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// Which files the HTTP workers may fetch and send back: for each task running on one, its inputs by content id and
/// its output, each only to the holder of that attempt's file token. A child of the <see cref="WorkerRegistry"/>,
/// which forwards the edge's questions to it; the <see cref="HttpWorkerProxy"/>s tell it what to serve.
/// </summary>
public sealed class HttpWorkerFiles : ReceiveActor
{
    private readonly Dictionary<string, ServeFiles> _served = new();

    public HttpWorkerFiles()
    {
        Receive<ServeFiles>(m => _served[m.TaskId] = m);
        Receive<ReleaseFiles>(m => _served.Remove(m.TaskId));
        Receive<ResolveFile>(m => Sender.Tell(Resolve(m)));
        Receive<ResolveUpload>(m => Sender.Tell(_served.GetValueOrDefault(m.TaskId) is not { } s ? new FileLocation(null)
            : TokenMatches(s, m.FileToken) ? new FileLocation(s.OutputPath) : new FileLocation(null, Forbidden: true)));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new HttpWorkerFiles());

    /// <summary>
    /// An input is served only to the holder of the file token of an attempt that reads it: a worker token alone
    /// does not open every input of every running task.
    /// </summary>
    private FileLocation Resolve(ResolveFile m)
    {
        var needing = _served.Values.Where(s => s.FileIds.Values.Contains(m.FileId)).ToList();
        if (needing.Count == 0) return new FileLocation(null);
        var mine = needing.FirstOrDefault(s => TokenMatches(s, m.FileToken));
        return mine is null
            ? new FileLocation(null, Forbidden: true)
            : new FileLocation(mine.FileIds.First(kv => kv.Value == m.FileId).Key);
    }

    private static bool TokenMatches(ServeFiles served, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(served.FileToken), Encoding.UTF8.GetBytes(presented));
}
