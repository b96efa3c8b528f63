using System.Globalization;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>
/// The chaos run's parameters, from environment variables; the defaults are the short form the test suite runs.
/// ops/chaos.sh sets them for the long form.
/// </summary>
/// <param name="Jobs">TRANSCODE_CHAOS_JOBS: jobs submitted in all.</param>
/// <param name="KillInterval">TRANSCODE_CHAOS_KILL_INTERVAL_SECONDS: mean time between two kills (each wait is
/// drawn between half and one and a half of it).</param>
/// <param name="Seed">TRANSCODE_CHAOS_SEED: seeds every random choice (job mix, victims, kill modes, pauses), so a
/// failing run's choices can be made again; printed either way.</param>
/// <param name="MaxDown">TRANSCODE_CHAOS_MAX_DOWN: nodes down (killed and not yet ready again) at once; at most two
/// of the five, so the split-brain resolver's keep-majority always keeps the live side.</param>
/// <param name="InFlight">TRANSCODE_CHAOS_IN_FLIGHT: submitted jobs not yet ended that the driver keeps, so work is
/// queued and running whenever a node dies.</param>
/// <param name="ChaosLimit">TRANSCODE_CHAOS_LIMIT_SECONDS: killing stops after this long even if jobs are left;
/// they must then end on a quiet cluster within <see cref="SettleLimit"/>.</param>
/// <param name="SettleLimit">TRANSCODE_CHAOS_SETTLE_SECONDS: how long the jobs left after the chaos may take.</param>
/// <param name="ReportPath">TRANSCODE_CHAOS_REPORT: a file the summary is also written to, with the timeline beside it
/// (<see cref="TimelinePath"/>); else <c>$TEST_RESULTS_DIR/chaos-summary.txt</c> when that is set.</param>
public sealed record ChaosOptions(
    int Jobs,
    TimeSpan KillInterval,
    int Seed,
    bool SeedGiven,
    int MaxDown,
    int InFlight,
    TimeSpan ChaosLimit,
    TimeSpan SettleLimit,
    string? ReportPath)
{
    public static ChaosOptions FromEnvironment()
    {
        var jobs = Int("TRANSCODE_CHAOS_JOBS", 20, min: 1);
        var seedText = Environment.GetEnvironmentVariable("TRANSCODE_CHAOS_SEED");
        var seedGiven = !string.IsNullOrWhiteSpace(seedText);
        var seed = seedGiven ? Int("TRANSCODE_CHAOS_SEED", 0, min: 0) : Random.Shared.Next();
        var report = Environment.GetEnvironmentVariable("TRANSCODE_CHAOS_REPORT") is { Length: > 0 } r ? r
            : Environment.GetEnvironmentVariable("TEST_RESULTS_DIR") is { Length: > 0 } dir ? Path.Combine(dir, "chaos-summary.txt")
            : null;
        return new ChaosOptions(
            Jobs: jobs,
            KillInterval: TimeSpan.FromSeconds(Double("TRANSCODE_CHAOS_KILL_INTERVAL_SECONDS", 5, min: 0.5)),
            Seed: seed,
            SeedGiven: seedGiven,
            MaxDown: Math.Min(2, Int("TRANSCODE_CHAOS_MAX_DOWN", 1, min: 1)),
            InFlight: Int("TRANSCODE_CHAOS_IN_FLIGHT", 6, min: 1),
            // Bounds the suite's time on a slow machine: the short form's chaos lasts at most 140 s.
            ChaosLimit: TimeSpan.FromSeconds(Double("TRANSCODE_CHAOS_LIMIT_SECONDS", 60 + 4.0 * jobs, min: 1)),
            SettleLimit: TimeSpan.FromSeconds(Double("TRANSCODE_CHAOS_SETTLE_SECONDS", 120, min: 1)),
            ReportPath: report);
    }

    /// <summary>Where the timeline goes beside the summary at <paramref name="reportPath"/>: chaos.txt, chaos-timeline.txt.</summary>
    public static string TimelinePath(string reportPath) =>
        (reportPath.EndsWith(".txt", StringComparison.Ordinal) ? reportPath[..^4] : reportPath) + "-timeline.txt";

    /// <summary>How to run this again with the same choices.</summary>
    public string ReplayHint() =>
        $"TRANSCODE_CHAOS_SEED={Seed} TRANSCODE_CHAOS_JOBS={Jobs} " +
        $"TRANSCODE_CHAOS_KILL_INTERVAL_SECONDS={KillInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} " +
        $"TRANSCODE_CHAOS_MAX_DOWN={MaxDown} TRANSCODE_CHAOS_IN_FLIGHT={InFlight}";

    private static int Int(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new ArgumentException($"{name}={text}: expected an integer of at least {min}");
        return v;
    }

    private static double Double(string name, double fallback, double min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new ArgumentException($"{name}={text}: expected a number of at least {min}");
        return v;
    }
}
