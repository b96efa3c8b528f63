using System.Collections;
using System.Reflection;
using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Scheduling;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Serialization;

/// <summary>
/// One job, start to end, through the pure state the actors decide with, and every event and message written and read
/// back as the serializer does. Measured on a fresh master (ops/bench/first-job.sh with JIT events): its first job
/// compiled 927 methods in 0.59 s of CPU beside the workers' ffmpeg — generic instantiations over our own types
/// (immutable collections in the job, task and registry state, the serializer's converters for each enum and record,
/// its generated accessors) that ReadyToRun cannot precompile and that building contracts alone does not reach.
/// </summary>
public static class DryRun
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Job(string jobId, JobSpec spec, JobPlan plan)
    {
        var events = new List<object>();
        var job = JobEntityState.Empty;
        void Job(IEnumerable<IJobEvent> es)
        {
            foreach (var e in es) { job = job.Apply(e); events.Add(e); }
        }
        Job(job.DecideSubmit(jobId, spec, T0).Value ?? []);
        Job(job.DecidePlanned(plan, T0));
        Job(job.DecideTaskStarted(T0));

        var registry = new WorkerRegistryState<string>(new WorkerRules(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), 3,
            TimeSpan.FromMinutes(1), 4));
        registry = registry.Register("akka:warm-up", "warm-up", 2, null, [], 1, 1, T0).State;
        var workerId = WorkerRegistryState.IdFor("akka:warm-up");
        var progress = JobProgress.None;
        var summary = JobSummary.Start((JobSubmitted)events[0]);
        foreach (var spec1 in plan.Tasks)
        {
            var task = TaskEntityState.Empty;
            void Task(IEnumerable<ITaskEvent> es)
            {
                foreach (var e in es) { task = task.Apply(e); events.Add(e); }
            }
            Task(task.DecideCreate(spec1, 0, T0, T0));
            var decision = registry.Request(new WorkRequest(spec1.TaskId, 1, spec1, 0, T0), T0);
            registry = decision.State;
            Task(task.DecideStarted(1, workerId, T0));
            registry = registry.Heartbeat(workerId, [new AttemptKey(spec1.TaskId, 1)], T0)?.State ?? registry;
            progress = progress.Reported(spec1.Index, 50, 1.5).Measured(50, T0);
            progress.Figures(true, 50, T0.AddSeconds(1), out progress);
            Task(task.DecideSucceeded(1, T0));
            registry = registry.SlotFreed(workerId, new AttemptKey(spec1.TaskId, 1), T0).State;
            progress = progress.TaskEnded(spec1.Index).TaskCompleted(spec1.Index);
            Job(job.DecideTaskCompleted(spec1.Index, T0));
            Job(job.DecideProgress(50, 5, T0));
        }
        Job(job.DecideFinishing(T0));
        Job(job.DecideCompleted(plan.TempOutputPath, T0));
        foreach (var e in events.OfType<IJobEvent>()) summary = JobSummary.Apply(summary, e) ?? summary;

        foreach (var e in events) RoundTrip(e);
    }

    /// <summary>
    /// Every type with a manifest, written and read back with values in every field; returns those it could not
    /// (a made-up value broke their invariants: their first real use pays for them, nothing more).
    /// </summary>
    public static IReadOnlyList<Type> Messages()
    {
        var missed = new List<Type>();
        foreach (var type in Manifests.ByName.Values.Distinct())
        {
            try
            {
                if (Sample(type, depth: 0) is { } value) RoundTrip(value);
                else missed.Add(type);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                missed.Add(type);
            }
        }
        return missed;
    }

    private static void RoundTrip(object value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), TranscodeSerializer.Options);
        JsonSerializer.Deserialize(bytes, value.GetType(), TranscodeSerializer.Options);
    }

    /// <summary>A value of <paramref name="type"/> with every constructor parameter filled, one element per list.</summary>
    private static object? Sample(Type type, int depth)
    {
        if (depth > 6) return null;
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null) return Sample(inner, depth);
        if (type == typeof(string)) return "warm-up";
        if (type == typeof(bool)) return true;
        if (type == typeof(int)) return 1;
        if (type == typeof(long)) return 1L;
        if (type == typeof(double)) return 1.5;
        if (type == typeof(DateTimeOffset)) return T0;
        if (type == typeof(TimeSpan)) return TimeSpan.FromSeconds(1);
        if (type == typeof(Guid)) return Guid.Empty;
        if (type.IsEnum) return Enum.GetValues(type).GetValue(0);
        if (type.IsArray) return Filled(Array.CreateInstance(type.GetElementType()!, 1), type.GetElementType()!, depth);
        if (type.IsGenericType)
        {
            var args = type.GetGenericArguments();
            var definition = type.GetGenericTypeDefinition();
            if (args.Length == 1 && typeof(IEnumerable).IsAssignableFrom(type) || definition == typeof(IReadOnlyList<>))
            {
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(args[0]))!;
                if (Sample(args[0], depth + 1) is { } item) list.Add(item);
                return type.IsAssignableFrom(list.GetType()) ? list : null;
            }
            if (args.Length == 2 && typeof(IEnumerable).IsAssignableFrom(type))
            {
                var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
                if (Sample(args[0], depth + 1) is { } key) map[key] = Sample(args[1], depth + 1);
                return type.IsAssignableFrom(map.GetType()) ? map : null;
            }
        }
        if (type.IsInterface || type.IsAbstract) return null;
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (ctor is null) return type.IsValueType ? Activator.CreateInstance(type) : null;
        var values = ctor.GetParameters().Select(p => Sample(p.ParameterType, depth + 1)).ToArray();
        var made = ctor.Invoke(values);
        // Records with required or init-only members (JobSpec, TaskSpec): set what the constructor left empty.
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.SetMethod is { IsPublic: true } && p.GetValue(made) is null && Sample(p.PropertyType, depth + 1) is { } v)
                p.SetValue(made, v);
        return made;
    }

    private static Array Filled(Array array, Type element, int depth)
    {
        array.SetValue(Sample(element, depth + 1), 0);
        return array;
    }
}
