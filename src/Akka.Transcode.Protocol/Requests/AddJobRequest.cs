using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Segments;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>
/// The <c>job</c> object of /master/add_job, checked for shape and values. Paths are still as the client wrote
/// them: resolving them against the media roots needs the file system and happens on the master.
/// </summary>
public sealed record AddJobRequest
{
    public required string SrcFilename { get; init; }
    public required string DstDir { get; init; }
    /// <summary>A name of <see cref="ContainerFormats.All"/>, in lower case; empty for an output-group job.</summary>
    public required string DstFormat { get; init; }
    /// <summary>The segments text as sent (null when absent); the job object reports it back.</summary>
    public string? Segments { get; init; }
    /// <summary><see cref="Segments"/> parsed; empty means the whole source.</summary>
    public IReadOnlyList<TimeRange> Ranges { get; init; } = [];
    /// <summary>Null when absent or empty: the drafts send "" for "no map".</summary>
    public string? MapFilename { get; init; }
    public int Priority { get; init; }
    /// <summary>The client-chosen id, or null to let the master choose.</summary>
    public string? JobId { get; init; }
    public bool Overwrite { get; init; }
    public OutputSettings Output { get; init; } = OutputSettings.Default;
    /// <summary>An absolute http or https URL.</summary>
    public string? CallbackUrl { get; init; }
    /// <summary>0 when absent: the node's default applies.</summary>
    public int TimeoutSeconds { get; init; }
    /// <summary><c>outputs</c>, spelled out (a preset's too); empty for a classic job of one file.</summary>
    public IReadOnlyList<Domain.Outputs.OutputSpec> Outputs { get; init; } = [];
    /// <summary>The preset <see cref="Outputs"/> came from, as the client named it; null when spelled out or absent.</summary>
    public string? OutputsPreset { get; init; }
}
