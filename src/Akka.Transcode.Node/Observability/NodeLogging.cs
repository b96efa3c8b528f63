using Akka.Configuration;
using Akka.Hosting;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Observability;

/// <summary>
/// Transcode:Logging:Format. "text" is ASP.NET Core's simple console, one line per entry with one prefix (UTC time,
/// level, category) and, for Akka's lines, the source as a scope ("=> akka.tcp://.../user/job-starter"). "json" is one JSON object per line
/// (the built-in JsonConsoleFormatter, UTC timestamps, scopes included), where Akka's lines carry their properties
/// (JobId, TaskId, WorkerId, ...) in "State", so a log shipper can index them. Both go through
/// <see cref="AkkaLogger"/> for Akka's events.
/// </summary>
public static class NodeLogging
{
    public static void Configure(ILoggingBuilder logging, LoggingOptions options)
    {
        const string utc = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        if (!options.IsJson)
        {
            // One line per entry, so grep and journald see a whole entry; scopes carry the actor path of Akka's lines.
            logging.AddSimpleConsole(c =>
            {
                c.SingleLine = true;
                c.IncludeScopes = true;
                c.UseUtcTimestamp = true;
                c.TimestampFormat = utc + " ";
            });
            return;
        }
        // Only the console: every line on stdout is then one JSON object.
        logging.ClearProviders();
        logging.AddJsonConsole(j =>
        {
            j.IncludeScopes = true;
            j.UseUtcTimestamp = true;
            j.TimestampFormat = utc;
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
