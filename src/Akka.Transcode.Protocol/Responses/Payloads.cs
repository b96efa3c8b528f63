namespace Akka.Transcode.Protocol.Responses;

// The fields each successful response adds after the envelope (PROTOCOL.md).

public sealed record AddJobResponse(string JobId);

public sealed record GetJobResponse(JobDto Job);

/// <summary><see cref="NumJobs"/> counts this page, <see cref="Total"/> every matching job.</summary>
public sealed record GetJobsResponse(int StartIndex, int NumJobs, long Total, IReadOnlyList<JobDto> Jobs)
{
    public GetJobsResponse(int startIndex, long total, IReadOnlyList<JobDto> jobs) : this(startIndex, jobs.Count, total, jobs) { }
}

public sealed record RegisterWorkerResponse(string WorkerId);

public sealed record TaskInfoResponse(Workers.WorkerTaskInfoDto Task);

/// <summary>/master/files uploads: how many bytes of the file the master holds, and whether it is complete and placed.</summary>
public sealed record UploadResponse(long Received, bool Complete);
