using Akka.Configuration;
using Akka.Hosting;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Observability;

/// <summary>
/// Transcode:Logging:Format. "text" is the console as ASP.NET Core writes it. "json" is one JSON object per line
/// (the built-in JsonConsoleFormatter, UTC timestamps, scopes included), where Akka's lines carry their properties
/// (JobId, TaskId, WorkerId, ...) in "State", so a log shipper can index them. Both go through
/// <see cref="AkkaLogger"/> for Akka's events.
/// </summary>
public static class NodeLogging
{
    public static void Configure(ILoggingBuilder logging, LoggingOptions options)
    {
        if (!options.IsJson) return;
        // Only the console: every line on stdout is then one JSON object.
        logging.ClearProviders();
        logging.AddJsonConsole(j =>
        {
            j.IncludeScopes = true;
            j.UseUtcTimestamp = true;
            j.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        });
    }

    /// <summary>Akka's log events go to <see cref="AkkaLogger"/> and from there to the node's logging.</summary>
    public static AkkaConfigurationBuilder WithNodeLogging(this AkkaConfigurationBuilder b, LoggingOptions options)
    {
        b.AddHocon(ConfigurationFactory.ParseString($"{AkkaLogger.FormatKey} = {(options.IsJson ? "json" : "text")}"),
            HoconAddMode.Prepend);
        b.ConfigureLoggers(l =>
        {
            l.ClearLoggers();
            l.AddLogger<AkkaLogger>();
        });
        return b;
    }
}
