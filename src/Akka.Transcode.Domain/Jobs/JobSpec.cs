using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Segments;

namespace Akka.Transcode.Domain.Jobs;

/// <summary>
/// A validated job as the master keeps it: paths already resolved inside the media roots, segments parsed.
/// <see cref="SegmentsText"/> is kept as the client wrote it because the job object reports it back.
/// </summary>
public sealed record JobSpec
{
    public required string SourcePath { get; init; }
    public required string DstDir { get; init; }
    public required string DstFormat { get; init; }
    public IReadOnlyList<TimeRange> Segments { get; init; } = [];
    public string? SegmentsText { get; init; }
    public int Priority { get; init; }
    public bool Overwrite { get; init; }
    public OutputSettings Output { get; init; } = OutputSettings.Default;
    public string? MapPath { get; init; }
    /// <summary>The lookup tables of a remap map, resolved inside the media roots when the job was accepted.</summary>
    public IReadOnlyList<Maps.MapTable> MapTables { get; init; } = [];
    public string? CallbackUrl { get; init; }
    /// <summary>Seconds from acceptance after which the job fails; 0: the node's Transcode:Jobs:TimeoutSeconds.</summary>
    public int TimeoutSeconds { get; init; }

    public ContainerFormat Container() => ContainerFormats.Find(DstFormat)
        ?? throw new InvalidOperationException($"unknown container {DstFormat}");

    /// <summary>The output file: &lt;dst_dir&gt;/&lt;source name without extension&gt;.&lt;ext&gt;.</summary>
    public string OutputPath() => Path.Combine(DstDir, Path.GetFileNameWithoutExtension(SourcePath) + "." + Container().Extension);

    /// <summary>
    /// Two submissions with the same client job_id are the same job only when this matches; it covers every field
    /// that changes the output. Segments compare by value so "1-5" and "1.0-5" are one job.
    /// </summary>
    public string Fingerprint() => string.Join("|", SourcePath, DstDir, DstFormat, string.Join(":", Segments),
        Overwrite, Output, MapPath ?? "", CallbackUrl ?? "", Priority, TimeoutSeconds);
}
