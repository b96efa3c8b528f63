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
    /// <summary>
    /// add_job's <c>outputs</c>, spelled out or taken from a preset: empty for a classic job (one file of
    /// <see cref="DstFormat"/>). With outputs, <see cref="DstFormat"/> is empty and the job writes a directory.
    /// </summary>
    public IReadOnlyList<Domain.Outputs.OutputSpec> Outputs { get; init; } = [];
    /// <summary>The preset the outputs came from, as the client named it; null when spelled out or absent.</summary>
    public string? OutputsPreset { get; init; }

    public bool IsOutputGroup => Outputs.Count > 0;

    public ContainerFormat Container() => ContainerFormats.Find(DstFormat)
        ?? throw new InvalidOperationException($"unknown container {DstFormat}");

    /// <summary>The output file: &lt;dst_dir&gt;/&lt;source name without extension&gt;.&lt;ext&gt;; for an output-group
    /// job, the directory &lt;dst_dir&gt;/&lt;source name without extension&gt;.</summary>
    public string OutputPath() => IsOutputGroup
        ? Domain.Outputs.OutputLayout.GroupDir(DstDir, SourcePath)
        : Path.Combine(DstDir, Path.GetFileNameWithoutExtension(SourcePath) + "." + Container().Extension);

    /// <summary>
    /// Two submissions with the same client job_id are the same job only when this matches; it covers every field
    /// that changes the output. Segments compare by value so "1-5" and "1.0-5" are one job.
    /// </summary>
    public string Fingerprint() => string.Join("|", SourcePath, DstDir, DstFormat, string.Join(":", Segments),
        Overwrite, Output, MapPath ?? "", CallbackUrl ?? "", Priority, TimeoutSeconds,
        // Records compare lists by reference: the outputs are compared by their JSON.
        IsOutputGroup ? System.Text.Json.JsonSerializer.Serialize(Outputs) : "");
}
