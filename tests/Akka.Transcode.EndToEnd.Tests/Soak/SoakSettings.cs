using System.Globalization;

namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>
/// What one soak run does, from environment variables, so the same test is the suite's short form and
/// <c>ops/soak.sh</c>'s long one (TRANSCODE_SOAK_JOBS=100000).
/// </summary>
/// <param name="Jobs">TRANSCODE_SOAK_JOBS: jobs submitted through add_job.</param>
/// <param name="Concurrency">TRANSCODE_SOAK_CONCURRENCY: HTTP clients submitting at once.</param>
/// <param name="Storage">TRANSCODE_SOAK_STORAGE: <c>sqlite</c> (the default single node) or <c>postgres</c>
/// (the server TRANSCODE_TEST_PG names).</param>
/// <param name="PassivationSeconds">TRANSCODE_SOAK_PASSIVATION_SECONDS: the node's
/// Transcode:Jobs:IdlePassivationSeconds; 0 leaves the node's default (30 s).</param>
/// <param name="Slots">TRANSCODE_SOAK_SLOTS: the node's worker slots. Tasks complete at once, but each still takes
/// a few journal writes from dispatch to result, so with too few slots the jobs queue up faster than they finish (4
/// slots finished about 15 jobs a second on 2 cores while add_job accepted 65) and memory measures the backlog.</param>
/// <param name="MaxRssMb">TRANSCODE_SOAK_MAX_RSS_MB: the bound on the node's resident memory once idle entities
/// have passivated.</param>
/// <param name="MaxHeapGrowthMb">TRANSCODE_SOAK_MAX_HEAP_GROWTH_MB: how much the node's live heap (after a full GC)
/// may grow from its start to after passivation.</param>
/// <param name="ReportPath">TRANSCODE_SOAK_REPORT: also write the report (and the memory samples) to this file.</param>
public sealed record SoakSettings(int Jobs, int Concurrency, string Storage, int PassivationSeconds, int Slots,
    int MaxRssMb, int MaxHeapGrowthMb, string? ReportPath)
{
    public const int DefaultPassivationSeconds = 30;

    public static SoakSettings FromEnvironment() => new(
        Int("TRANSCODE_SOAK_JOBS", 3000, 1),
        Int("TRANSCODE_SOAK_CONCURRENCY", 32, 1),
        (Environment.GetEnvironmentVariable("TRANSCODE_SOAK_STORAGE") is { Length: > 0 } s ? s : "sqlite").ToLowerInvariant(),
        Int("TRANSCODE_SOAK_PASSIVATION_SECONDS", 5, 0),
        Int("TRANSCODE_SOAK_SLOTS", 32, 1),
        Int("TRANSCODE_SOAK_MAX_RSS_MB", 400, 1),
        Int("TRANSCODE_SOAK_MAX_HEAP_GROWTH_MB", 50, 1),
        Environment.GetEnvironmentVariable("TRANSCODE_SOAK_REPORT") is { Length: > 0 } r ? Path.GetFullPath(r) : null);

    /// <summary>The interval entities actually passivate after.</summary>
    public int EffectivePassivationSeconds => PassivationSeconds > 0 ? PassivationSeconds : DefaultPassivationSeconds;

    private static int Int(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new InvalidOperationException($"{name} must be an integer of at least {min} (got '{text}')");
        return v;
    }
}
