using Akka.Event;
using Akka.Transcode.Domain.Planning;

namespace Akka.Transcode.Actors.Workers;

internal static class TaskLogging
{
    /// <summary>Lines about one task carry its id and its job's as properties (JSON logs: State.TaskId, State.JobId).</summary>
    public static ILoggingAdapter ForTask(this ILoggingAdapter log, string taskId) =>
        log.WithContext("TaskId", taskId).WithContext("JobId", TaskPlanner.JobIdOf(taskId));
}
