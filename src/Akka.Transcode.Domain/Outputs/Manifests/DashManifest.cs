using System.Globalization;
using System.Text;
using System.Xml;

namespace Akka.Transcode.Domain.Outputs.Manifests;

/// <summary>
/// The static MPD of a ladder (ISO/IEC 23009-1, live profile: one file per segment through a SegmentTemplate with a
/// SegmentTimeline, so the measured length of every segment is stated rather than implied by a nominal duration).
/// The same segment files as the HLS playlists. Pure: the packager measures, this only writes.
/// </summary>
public static class DashManifest
{
    private const string Ns = "urn:mpeg:dash:schema:mpd:2011";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <param name="segmentSeconds">The ladder's target segment length: the buffer a player needs before it starts.</param>
    public static string Write(IReadOnlyList<TrackFacts> video, IReadOnlyList<TrackFacts> audio, double segmentSeconds)
    {
        var duration = video.Concat(audio).Select(t => t.DurationSeconds).DefaultIfEmpty(0).Max();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new UTF8Encoding(false) };
        var text = new Utf8StringWriter();
        using (var w = XmlWriter.Create(text, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("MPD", Ns);
            w.WriteAttributeString("profiles", "urn:mpeg:dash:profile:isoff-live:2011");
            w.WriteAttributeString("type", "static");
            w.WriteAttributeString("mediaPresentationDuration", Seconds(duration));
            w.WriteAttributeString("minBufferTime", Seconds(segmentSeconds));
            w.WriteStartElement("Period", Ns);
            w.WriteAttributeString("id", "0");
            w.WriteAttributeString("start", "PT0S");

            var set = 0;
            if (video.Count > 0)
            {
                StartAdaptationSet(w, set++, "video");
                w.WriteAttributeString("maxWidth", video.Max(v => v.Width).ToString(Inv));
                w.WriteAttributeString("maxHeight", video.Max(v => v.Height).ToString(Inv));
                foreach (var v in video.OrderByDescending(v => v.PeakBitrate))
                {
                    w.WriteStartElement("Representation", Ns);
                    w.WriteAttributeString("id", v.Name);
                    w.WriteAttributeString("bandwidth", v.PeakBitrate.ToString(Inv));
                    w.WriteAttributeString("width", v.Width.ToString(Inv));
                    w.WriteAttributeString("height", v.Height.ToString(Inv));
                    w.WriteAttributeString("frameRate", FrameRate(v.FrameRate));
                    w.WriteAttributeString("codecs", v.Codec);
                    Template(w, v);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }

            foreach (var a in audio)
            {
                StartAdaptationSet(w, set++, "audio");
                w.WriteStartElement("Representation", Ns);
                w.WriteAttributeString("id", a.Name);
                w.WriteAttributeString("bandwidth", a.PeakBitrate.ToString(Inv));
                w.WriteAttributeString("codecs", a.Codec);
                if (a.SampleRate > 0) w.WriteAttributeString("audioSamplingRate", a.SampleRate.ToString(Inv));
                if (a.Channels > 0)
                {
                    w.WriteStartElement("AudioChannelConfiguration", Ns);
                    w.WriteAttributeString("schemeIdUri", "urn:mpeg:dash:23003:3:audio_channel_configuration:2011");
                    w.WriteAttributeString("value", a.Channels.ToString(Inv));
                    w.WriteEndElement();
                }
                Template(w, a);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return text.ToString() + "\n";
    }

    /// <summary>
    /// Every rendition's segment k starts on the same frame and with a key frame (the plan forces them): that is what
    /// lets a player switch between them at any segment, so every set says so.
    /// </summary>
    private static void StartAdaptationSet(XmlWriter w, int id, string contentType)
    {
        w.WriteStartElement("AdaptationSet", Ns);
        w.WriteAttributeString("id", id.ToString(Inv));
        w.WriteAttributeString("contentType", contentType);
        w.WriteAttributeString("mimeType", contentType + "/mp4");
        w.WriteAttributeString("segmentAlignment", "true");
        w.WriteAttributeString("startWithSAP", "1");
    }

    private static void Template(XmlWriter w, TrackFacts t)
    {
        w.WriteStartElement("SegmentTemplate", Ns);
        w.WriteAttributeString("timescale", t.Timescale.ToString(Inv));
        w.WriteAttributeString("initialization", t.Uri + "/" + OutputLayout.InitSegment);
        w.WriteAttributeString("media", t.Uri + "/" + OutputLayout.SegmentTemplate);
        w.WriteAttributeString("startNumber", "1");
        // A media time of a later segment is offset by the first one's decode time: the timeline states it so.
        if (t.Segments.Count > 0 && t.Segments[0].Start != 0)
            w.WriteAttributeString("presentationTimeOffset", t.Segments[0].Start.ToString(Inv));
        w.WriteStartElement("SegmentTimeline", Ns);
        foreach (var (start, duration, repeat, stated) in Runs(t.Segments))
        {
            w.WriteStartElement("S", Ns);
            if (stated) w.WriteAttributeString("t", start.ToString(Inv));
            w.WriteAttributeString("d", duration.ToString(Inv));
            if (repeat > 0) w.WriteAttributeString("r", repeat.ToString(Inv));
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>Runs of equal, back-to-back segments (S@r); the start is stated for the first and after any gap.</summary>
    public static IReadOnlyList<(long Start, long Duration, int Repeat, bool Stated)> Runs(IReadOnlyList<SegmentFacts> segments)
    {
        var runs = new List<(long Start, long Duration, int Repeat, bool Stated)>();
        long next = 0;
        foreach (var s in segments)
        {
            var contiguous = runs.Count > 0 && s.Start == next;
            if (contiguous && runs[^1].Duration == s.Duration)
                runs[^1] = runs[^1] with { Repeat = runs[^1].Repeat + 1 };
            else
                runs.Add((s.Start, s.Duration, 0, !contiguous));
            next = s.Start + s.Duration;
        }
        return runs;
    }

    /// <summary>An xs:duration in seconds with millisecond precision: PT60.000S.</summary>
    public static string Seconds(double seconds) => "PT" + seconds.ToString("0.000", Inv) + "S";

    /// <summary>DASH frame rates are integers or ratios: 30, 25, 30000/1001, 25/2.</summary>
    public static string FrameRate(double fps)
    {
        foreach (var den in new[] { 1, 1001, 2 })
        {
            var num = Math.Round(fps * den / (den == 1001 ? 1000 : 1)) * (den == 1001 ? 1000 : 1);
            if (num > 0 && Math.Abs(num / den - fps) < 0.0005)
                return den == 1 ? ((long)num).ToString(Inv) : $"{((long)num).ToString(Inv)}/{den.ToString(Inv)}";
        }
        return $"{Math.Round(fps * 1000).ToString(Inv)}/1000";
    }

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter() : base(CultureInfo.InvariantCulture) { }
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
