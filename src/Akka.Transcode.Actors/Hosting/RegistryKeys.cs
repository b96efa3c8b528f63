namespace Akka.Transcode.Actors.Hosting;

/// <summary>Keys of the actor registry (Akka.Hosting's <c>IRequiredActor&lt;TKey&gt;</c>): marker types, never instantiated.</summary>
public sealed class JobRegion;
public sealed class TaskRegion;
public sealed class WorkerRegistryProxy;
public sealed class WorkerNodeActor;
public sealed class HttpWorkerHostActor;
public sealed class JobProjectorActor;

/// <summary>Registry key of the retention sweeper singleton (ReadModel/RetentionSweeper).</summary>
public sealed class RetentionSweeperActor;
public sealed class DashboardFeedActor;
public sealed class JobStarterProxy;
public sealed class JobIntakeActor;
