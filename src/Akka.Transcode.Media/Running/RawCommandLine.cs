using FFMpegCore;
using FFMpegCore.Arguments;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// Our argv arrives finished, so it goes to FFMpegCore as one "input" whose text is the whole quoted line, and
/// <see cref="NoOutput"/> closes the command. FFMpegCore still runs the process (progress, 'q' then kill, stderr),
/// but none of its builders touch the arguments. FFMpegCore calls During once ffmpeg has started.
/// </summary>
internal sealed class RawCommandLine(string text, Action onStarted) : IInputArgument
{
    public string Text => text;

    public void Pre(FFOptions options) { }

    public Task During(CancellationToken cancellationToken = default)
    {
        onStarted();
        return Task.CompletedTask;
    }

    public void Post() { }
}

/// <summary>The output is already inside <see cref="RawCommandLine"/>; an empty text adds nothing to the line.</summary>
internal sealed class NoOutput : IOutputArgument
{
    public string Text => string.Empty;

    public void Pre(FFOptions options) { }

    public Task During(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public void Post() { }
}
