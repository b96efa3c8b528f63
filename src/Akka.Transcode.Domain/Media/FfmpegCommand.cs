namespace Akka.Transcode.Domain.Media;

/// <summary>A file the worker writes before starting ffmpeg (concat lists), next to the task's output.</summary>
public sealed record AuxFile(string Path, string Content);

/// <summary>
/// An ffmpeg invocation as an argv list: never a shell string, so no file name can split or inject arguments.
/// Built by <see cref="FfmpegArguments"/>.
/// </summary>
public sealed record FfmpegCommand(IReadOnlyList<string> Arguments, IReadOnlyList<AuxFile> Files);
