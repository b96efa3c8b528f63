namespace Akka.Transcode.Protocol.Workers;

// The task object of /worker/add_task (docs/worker-protocol.md is its specification). Field names follow the
// drafts where they had one (id, src_filename, src_file_id, dst_dir, dst_format, map_filename, map_file_id); the
// rest is what a worker needs to produce exactly the file the master expects.

/// <summary>One task attempt as the master hands it to a worker outside the cluster.</summary>
public sealed record WorkerTaskDto
{
    public required string Id { get; init; }
    public required string JobId { get; init; }
    /// <summary>Which attempt of the task this is: a worker keeps one attempt per task id, the newest.</summary>
    public required int Attempt { get; init; }
    public required int Index { get; init; }
    /// <summary>transcode, video, audio, join, thumbnails or sprite.</summary>
    public required string Kind { get; init; }
    public required string SrcFilename { get; init; }
    public string? SrcFileId { get; init; }
    /// <summary>The directory the output goes to, on the master's storage.</summary>
    public required string DstDir { get; init; }
    /// <summary>The output's file name inside <see cref="DstDir"/>.</summary>
    public required string DstFilename { get; init; }
    /// <summary>ffmpeg's muxer name (mp4, flv, matroska, flac, image2pipe ...): task outputs are often intermediate parts.</summary>
    public required string DstFormat { get; init; }
    public string? MapFilename { get; init; }
    public string? MapFileId { get; init; }
    /// <summary>Remap maps: the lookup tables, named as the map file names them.</summary>
    public IReadOnlyList<WireFile>? MapTables { get; init; }
    public double FromTime { get; init; }
    public double ToTime { get; init; }
    /// <summary>Seconds of output the task writes: progress is measured against it.</summary>
    public required double Duration { get; init; }
    public IReadOnlyList<WireCut>? Cuts { get; init; }
    public bool KeyframeCuts { get; init; }
    /// <summary>Join: the video parts in order. Sprite: the one still stream it tiles.</summary>
    public IReadOnlyList<WireFile>? Parts { get; init; }
    /// <summary>Join: the audio part, or null when audio comes from the source or there is none.</summary>
    public WireFile? AudioPart { get; init; }
    public required WireVideo Video { get; init; }
    /// <summary>A ladder chunk (video task): every rendition encoded from the one decoded cut, one video track each in
    /// this order, into the one output; the first is <see cref="Video"/> again. Null for every other task.</summary>
    public IReadOnlyList<WireVideo>? Renditions { get; init; }
    /// <summary>Join: which video track of the parts it copies (a ladder chunk's rendition); null means 0.</summary>
    public int? VideoTrack { get; init; }
    public required WireAudio Audio { get; init; }
    /// <summary>Seconds into the output at which key frames must start (segment boundaries), strictly increasing.</summary>
    public IReadOnlyList<double>? ForcedKeyframes { get; init; }
    /// <summary>An mp4 output written fragmented: null plain, 0 a fragment per key frame, more a fragment every so many seconds.</summary>
    public double? FragmentSeconds { get; init; }
    /// <summary>Thumbnails and sprite tasks: the stills' timing, size, format and tiling.</summary>
    public WireStills? Stills { get; init; }
    /// <summary>Output-group jobs: the output (add_job's outputs[].name) the task makes part of; informational.</summary>
    public string? OutputName { get; init; }
    /// <summary>The secret of this attempt: sent back in the X-File-Token header of GET and PUT /master/files, which
    /// serve the attempt's inputs and take its output only with it. A master that sends none serves no files.</summary>
    public string? FileToken { get; init; }
}

/// <param name="Filename">Absolute path on the master's storage.</param>
/// <param name="FileId">MD5 of the content, lowercase hex; fetch it with GET /master/files/{file_id}.</param>
/// <param name="Name">For map tables only: the name as the map file writes it, relative to the map file.</param>
public sealed record WireFile(string Filename, string? FileId, string? Name = null);

/// <summary>One range read from the source; see docs/worker-protocol.md for how each number is used.</summary>
public sealed record WireCut(double From, double To, double Seek, double VideoTrimStart, double AudioTrimStart,
    int? Frames, double Duration);

/// <param name="Action">drop, copy or encode.</param>
/// <param name="Codec">encode only: h264, hevc, vp9 or av1.</param>
/// <param name="MaxBitrate">encode only: a peak cap in bits per second (VBV, buffer twice the cap).</param>
public sealed record WireVideo(string Action, string? Codec = null, int? Crf = null, string? Preset = null,
    long? Bitrate = null, int? Width = null, int? Height = null, bool NoBFrames = false, long? MaxBitrate = null);

/// <summary>The stills of a thumbnails or sprite task (TaskSpec's StillsOp); docs/worker-protocol.md "Stills".</summary>
/// <param name="Format">jpeg or webp.</param>
public sealed record WireStills(double IntervalSeconds, int Width, int Height, string Format, int Count, int Columns, int Rows);

/// <param name="Action">drop, copy or encode.</param>
/// <param name="Codec">encode only: aac, mp3, opus, pcm_s16le or flac.</param>
public sealed record WireAudio(string Action, string? Codec = null, long? Bitrate = null);

/// <summary>
/// The task object of /worker/get_task_info. <see cref="State"/>: 0 accepted, 1 running, 2 succeeded (the output is
/// in place on the master), 3 failed, 4 canceled. <see cref="Result"/>: 0 ok, otherwise the err_code of the failure;
/// absent while the task runs.
/// </summary>
public sealed record WorkerTaskInfoDto(string Id, int Attempt, int State, int? Result, double Progress,
    double? Speed = null, string? ErrMsg = null);
