using System.Collections;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using Akka.Hosting.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Akka.Transcode.Node.Observability;

/// <summary>
/// Akka's log events into Microsoft.Extensions.Logging, keeping their properties: the named holes of the message
/// template and the context an actor's logger carries (JobId, TaskId, WorkerId). Akka.Hosting's own logger hands
/// them over in a state the JSON console formatter does not read; here the state is a list, so every property
/// becomes a field of the line's "State" object. The category is the logging class
/// (e.g. Akka.Transcode.Actors.Jobs.JobEntity), so levels can be set per class under Logging:LogLevel.
/// The message is Akka's text alone: the console's own prefix already says level, time and category, and Akka's
/// [LEVEL][time][thread][source] prefix would say it a second time. Where it came from (the actor path, or the
/// name of a string source) is the field LogSource; the text console shows it through a scope, as "=> path".
/// </summary>
public sealed class AkkaLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>HOCON key: "text" opens a scope holding the source around each line, which the text console shows;
    /// "json" does not, as its lines carry the source in State already.</summary>
    public const string FormatKey = "akka-transcode.log-format";

    private readonly Microsoft.Extensions.Logging.ILoggerFactory _factory;
    private readonly bool _sourceScope;
    private readonly Dictionary<string, Microsoft.Extensions.Logging.ILogger> _loggers = new(StringComparer.Ordinal);

    public AkkaLogger()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactorySetup>();
        if (!setup.HasValue) throw new ConfigurationException("AkkaLogger needs a LoggerFactorySetup (Akka.Hosting adds one)");
        _factory = setup.Value.LoggerFactory;
        _sourceScope = Context.System.Settings.Config.GetString(FormatKey, "text") != "json";
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                Log(e);
                return true;
            default:
                return false;
        }
    }

    private void Log(LogEvent e)
    {
        var logger = LoggerFor(e);
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => MelLogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => MelLogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => MelLogLevel.Warning,
            _ => MelLogLevel.Error,
        };
        if (!logger.IsEnabled(level)) return;
        e.TryGetProperties(out var properties);
        var state = new LogState(properties, e.LogSource, e.GetTemplate(), Message(e));
        using var scope = _sourceScope ? logger.BeginScope(new SourceScope(e.LogSource)) : null;
        logger.Log(level, default, state, e.Cause, static (s, _) => s.Text);
    }

    private Microsoft.Extensions.Logging.ILogger LoggerFor(LogEvent e)
    {
        var category = e.LogClass is { } c && c != typeof(DummyClassForStringSources) ? c.FullName ?? c.Name : "Akka";
        if (!_loggers.TryGetValue(category, out var logger)) _loggers[category] = logger = _factory.CreateLogger(category);
        return logger;
    }

    private static string Message(LogEvent e)
    {
        try { return e.Message?.ToString() ?? ""; }
        catch (Exception ex) { return $"(unformattable log message '{e.GetTemplate()}': {ex.Message})"; }
    }

    /// <summary>Shown by the text console as "=> source"; a structured LogSource to any provider that reads scopes.</summary>
    private sealed class SourceScope(string source) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?> _item = new("LogSource", source);
        public int Count => 1;
        public KeyValuePair<string, object?> this[int index] => index == 0 ? _item : throw new ArgumentOutOfRangeException(nameof(index));
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() { yield return _item; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => source;
    }

    /// <summary>A list (not merely enumerable), which is what JsonConsoleFormatter writes out as properties.</summary>
    private sealed class LogState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _items;

        public LogState(IReadOnlyDictionary<string, object>? properties, string source, string template, string text)
        {
            Text = text;
            _items = new List<KeyValuePair<string, object?>>((properties?.Count ?? 0) + 2);
            if (properties is not null)
                foreach (var (k, v) in properties) _items.Add(new(k, v));
            _items.Add(new("LogSource", source));
            _items.Add(new("{OriginalFormat}", template));
        }

        public string Text { get; }
        public int Count => _items.Count;
        public KeyValuePair<string, object?> this[int index] => _items[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _items.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Text;
    }
}
