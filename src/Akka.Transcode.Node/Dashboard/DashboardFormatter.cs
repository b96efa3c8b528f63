using System.Text.Json;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Node.Api;
using Akka.Transcode.Protocol;

namespace Akka.Transcode.Node.Dashboard;

/// <summary>
/// The JSON of the dashboard's events: the same objects the API answers (the job object of get_job, a task_list
/// entry, /admin/workers, /admin/cluster/show), so the page renders both with one set of functions.
/// </summary>
public sealed class DashboardFormatter : IFeedFormatter
{
    public FeedFrame Job(JobChanged change) =>
        FeedFrame.Create("job:" + change.Job.Summary.Id, "job", Json(new JobEvent(JobMapping.ToDto(change.Job))));

    public FeedFrame Task(TaskChanged change) =>
        FeedFrame.Create("task:" + change.Task.Id, "task", Json(new TaskEvent(change.JobId, JobMapping.ToDto(change.Task))));

    public FeedFrame Workers(WorkersChanged change) =>
        FeedFrame.Create("workers", "workers", Json(AdminEndpoints.ToResponse(change.Workers)));

    public FeedFrame Members(Akka.Cluster.Cluster cluster) =>
        FeedFrame.Create("members", "members", Json(AdminEndpoints.Show(cluster)));

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, ProtocolJson.Options);

    private sealed record JobEvent(Protocol.Responses.JobDto Job);

    private sealed record TaskEvent(string JobId, Protocol.Responses.TaskDto Task);
}
