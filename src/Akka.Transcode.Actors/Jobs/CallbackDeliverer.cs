using Akka.Actor;
using Akka.Transcode.Domain.Scheduling;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// Delivers an ended job's final object to its callback_url, spawned by the job entity: tries up to
/// <see cref="MaxTries"/> times with <see cref="RetryBackoff"/> between tries (1, 2, 4, 8 s for a 1 s base: a receiver
/// that is restarting gets a fair chance), answers its parent with one <see cref="CallbackFinished"/> and stops.
/// </summary>
public sealed class CallbackDeliverer : ReceiveActor, IWithTimers
{
    public const int MaxTries = 5;

    private readonly IJobCallback _callback;
    private readonly string _url;
    private readonly JobView _job;
    private int _tries;

    public ITimerScheduler Timers { get; set; } = null!;

    public CallbackDeliverer(IJobCallback callback, string url, JobView job, TimeSpan baseBackoff)
    {
        _callback = callback;
        _url = url;
        _job = job;
        Receive<TryAgain>(_ => Try());
        Receive<TryResult>(m =>
        {
            if (!m.Delivered && _tries < MaxTries)
            {
                Timers.StartSingleTimer("again", TryAgain.Instance, RetryBackoff.After(baseBackoff, _tries));
                return;
            }
            Context.Parent.Tell(new CallbackFinished(m.Delivered, m.Error, _tries));
            Context.Stop(Self);
        });
    }

    public static Props Props(IJobCallback callback, string url, JobView job, TimeSpan baseBackoff) =>
        Akka.Actor.Props.Create(() => new CallbackDeliverer(callback, url, job, baseBackoff));

    protected override void PreStart() => Try();

    private void Try()
    {
        _tries++;
        _callback.SendAsync(_url, _job, CancellationToken.None)
            .PipeTo(Self, success: ok => new TryResult(ok, ok ? null : "the receiver did not answer 2xx"),
                failure: ex => new TryResult(false, ex.Message));
    }

    private sealed record TryAgain
    {
        public static readonly TryAgain Instance = new();
    }

    // Piped back to itself only; a private detail of the retries.
    private sealed record TryResult(bool Delivered, string? Error) : Common.ILocalMessage;
}
