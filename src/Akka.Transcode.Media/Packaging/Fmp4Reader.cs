using Akka.Transcode.Domain;

namespace Akka.Transcode.Media.Packaging;

/// <summary>One fragment of a fragmented MP4 and the boxes that belong with it (styp/sidx before its moof, its mdat).</summary>
/// <param name="Offset">Where its first box starts in the file.</param>
/// <param name="BaseDecodeTime">tfdt, in the track's timescale (or the previous fragment's end without one).</param>
/// <param name="Duration">The sum of its samples' durations, in the track's timescale.</param>
/// <param name="StartsWithSync">Whether its first sample is a sync sample (a key frame).</param>
public sealed record Fmp4Fragment(long Offset, long Length, long BaseDecodeTime, long Duration, int SampleCount,
    bool StartsWithSync);

/// <summary>The single track of a rendition's fragmented MP4: what the manifests need from its header and where each
/// fragment lies.</summary>
/// <param name="Handler">'vide' or 'soun'.</param>
/// <param name="Codec">RFC 6381: avc1.64001f, mp4a.40.2.</param>
/// <param name="InitLength">Bytes of the header before the first fragment (ftyp, moov): the init segment.</param>
public sealed record Fmp4Track(string Handler, uint TrackId, long Timescale, string Codec, int Width, int Height,
    int Channels, int SampleRate, long InitLength, IReadOnlyList<Fmp4Fragment> Fragments)
{
    public bool IsVideo => Handler == "vide";
}

/// <summary>
/// Reads a rendition's fragmented MP4 (one track; ftyp+moov, then moof+mdat per fragment) written by a task, possibly
/// on another machine and so checked throughout: a malformed file is a failure naming what is wrong, never an
/// exception, a read past the end or a loop. Only headers are loaded; media data is never read.
/// </summary>
public static class Fmp4Reader
{
    // A moov or moof this big is not one our tasks wrote (a 4 s fragment at 60 fps has a few kilobytes of moof).
    private const long MaxHeaderBox = 64L << 20;
    private const uint NonSyncSample = 0x0001_0000;

    public static Result<Fmp4Track> Read(string path)
    {
        try
        {
            using var file = PackageFiles.OpenSource(path, FileOptions.RandomAccess);
            return Result<Fmp4Track>.Ok(Read(file));
        }
        catch (PackagingFormatException ex)
        {
            return Result<Fmp4Track>.Fail(ErrorCode.Internal, $"{path} is not the fragmented MP4 its task should have written: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Result<Fmp4Track>.Fail(ErrorCode.Internal, $"{path} could not be read: {ex.Message}");
        }
    }

    internal static Fmp4Track Read(Stream file)
    {
        var boxes = Bmff.TopLevel(file);
        var first = boxes.FindIndex(b => IsFragmentPrefix(b.Type) || b.Type == "moof");
        if (first < 0) throw new PackagingFormatException("it has no fragment (no moof box)");
        var header = boxes[..first];
        if (header.Any(b => b.Type == "mdat")) throw new PackagingFormatException("media data comes before the first fragment: not a fragmented MP4");
        var (track, defaults) = ReadMoov(Load(file, Bmff.Single(header, "moov", "the file header")));

        var fragments = new List<Fmp4Fragment>();
        long? start = null;
        Box? moof = null;
        long end = 0;
        var hasMdat = false;
        var trailer = false;
        long next = 0;

        void Close()
        {
            if (moof is not { } m) return;
            if (!hasMdat) throw new PackagingFormatException($"the fragment at offset {m.Offset} has no mdat");
            var f = ReadMoof(Load(file, m), track, defaults, m.Offset, fallbackStart: next);
            fragments.Add(new Fmp4Fragment(start!.Value, end - start.Value, f.BaseDecodeTime, f.Duration, f.SampleCount, f.StartsWithSync));
            next = f.BaseDecodeTime + f.Duration;
            moof = null;
            start = null;
            hasMdat = false;
        }

        foreach (var b in boxes[first..])
        {
            if (trailer && b.Type is not ("free" or "skip"))
                throw new PackagingFormatException($"box '{b.Type}' at offset {b.Offset} follows the file's closing mfra");
            switch (b.Type)
            {
                case "styp" or "sidx" or "prft" or "emsg":
                    Close();
                    start ??= b.Offset;
                    break;
                case "moof":
                    Close();
                    start ??= b.Offset;
                    moof = b;
                    break;
                case "mdat":
                    if (moof is null) throw new PackagingFormatException($"the mdat at offset {b.Offset} has no moof before it");
                    end = b.Offset + b.Size;
                    hasMdat = true;
                    break;
                case "free" or "skip":
                    if (moof is not null) end = b.Offset + b.Size;
                    break;
                case "mfra":
                    Close();
                    trailer = true;
                    break;
                default:
                    throw new PackagingFormatException($"unexpected box '{b.Type}' at offset {b.Offset} among the fragments");
            }
        }
        Close();
        if (start is not null) throw new PackagingFormatException("the file ends with boxes of a fragment that has no moof");
        return track with { InitLength = boxes[first].Offset, Fragments = fragments };
    }

    private static bool IsFragmentPrefix(string type) => type is "styp" or "sidx" or "prft" or "emsg";

    private static byte[] Load(Stream file, Box box)
    {
        if (box.PayloadSize > MaxHeaderBox) throw new PackagingFormatException($"box '{box.Type}' at offset {box.Offset} is {box.Size} bytes, too big for a header");
        var bytes = new byte[box.PayloadSize];
        file.Position = box.PayloadOffset;
        file.ReadExactly(bytes);
        return bytes;
    }

    private sealed record TrackDefaults(uint? Duration, uint? Flags);

    private static (Fmp4Track, TrackDefaults) ReadMoov(byte[] moov)
    {
        var kids = Bmff.Children(moov, "moov");
        var traks = kids.Where(b => b.Type == "trak").ToList();
        if (traks.Count != 1) throw new PackagingFormatException($"it holds {traks.Count} tracks; a rendition file holds one");
        var trak = Bmff.Payload(moov, traks[0]);
        var trakKids = Bmff.Children(trak, "trak");

        var tkhd = Bmff.Payload(trak, Bmff.Single(trakKids, "tkhd", "trak"));
        var trackId = Bmff.U32(tkhd, Bmff.U8(tkhd, 0, "tkhd") == 1 ? 20 : 12, "tkhd");

        var mdia = Bmff.Payload(trak, Bmff.Single(trakKids, "mdia", "trak"));
        var mdiaKids = Bmff.Children(mdia, "mdia");
        var mdhd = Bmff.Payload(mdia, Bmff.Single(mdiaKids, "mdhd", "mdia"));
        var timescale = Bmff.U32(mdhd, Bmff.U8(mdhd, 0, "mdhd") == 1 ? 20 : 12, "mdhd");
        if (timescale == 0) throw new PackagingFormatException("the track's timescale is 0");
        var hdlr = Bmff.Payload(mdia, Bmff.Single(mdiaKids, "hdlr", "mdia"));
        if (hdlr.Length < 12) throw new PackagingFormatException("hdlr is cut off");
        var handler = System.Text.Encoding.Latin1.GetString(hdlr.Slice(8, 4));

        var minf = Bmff.Payload(mdia, Bmff.Single(mdiaKids, "minf", "mdia"));
        var stbl = Bmff.Payload(minf, Bmff.Single(Bmff.Children(minf, "minf"), "stbl", "minf"));
        var stsd = Bmff.Payload(stbl, Bmff.Single(Bmff.Children(stbl, "stbl"), "stsd", "stbl"));
        if (stsd.Length < 8) throw new PackagingFormatException("stsd is cut off");
        var entries = Bmff.Children(stsd[8..], "stsd");
        if (entries.Count == 0) throw new PackagingFormatException("stsd has no sample entry");
        var entry = Bmff.Payload(stsd[8..], entries[0]);

        var track = entries[0].Type switch
        {
            "avc1" or "avc3" => Avc(entries[0].Type, entry),
            "mp4a" => Aac(entry),
            var other => throw new PackagingFormatException($"its sample entry '{other}' is neither H.264 (avc1) nor AAC (mp4a)"),
        };
        if ((handler == "vide") != track.IsVideo || handler is not ("vide" or "soun"))
            throw new PackagingFormatException($"its handler '{handler}' does not match its sample entry '{entries[0].Type}'");

        var mvex = Bmff.Optional(kids, "mvex") ?? throw new PackagingFormatException("moov has no mvex: not a fragmented MP4");
        var mvexPayload = Bmff.Payload(moov, mvex);
        TrackDefaults defaults = new(null, null);
        foreach (var b in Bmff.Children(mvexPayload, "mvex").Where(b => b.Type == "trex"))
        {
            var trex = Bmff.Payload(mvexPayload, b);
            if (Bmff.U32(trex, 4, "trex") != trackId) continue;
            defaults = new(Bmff.U32(trex, 12, "trex"), Bmff.U32(trex, 20, "trex"));
        }
        return (track with { Handler = handler, TrackId = trackId, Timescale = timescale }, defaults);
    }

    private static Fmp4Track Avc(string type, ReadOnlySpan<byte> entry)
    {
        var width = Bmff.U16(entry, 24, type);
        var height = Bmff.U16(entry, 26, type);
        if (entry.Length < 78) throw new PackagingFormatException($"{type} is cut off");
        var kids = Bmff.Children(entry[78..], type);
        var avcC = Bmff.Payload(entry[78..], Bmff.Single(kids, "avcC", type));
        var codec = $"{type}.{Bmff.U8(avcC, 1, "avcC"):x2}{Bmff.U8(avcC, 2, "avcC"):x2}{Bmff.U8(avcC, 3, "avcC"):x2}";
        return new Fmp4Track("vide", 0, 0, codec, width, height, 0, 0, 0, []);
    }

    private static Fmp4Track Aac(ReadOnlySpan<byte> entry)
    {
        var channels = (int)Bmff.U16(entry, 16, "mp4a");
        var sampleRate = (int)(Bmff.U32(entry, 24, "mp4a") >> 16);
        if (entry.Length < 28) throw new PackagingFormatException("mp4a is cut off");
        var kids = Bmff.Children(entry[28..], "mp4a");
        var esds = Bmff.Payload(entry[28..], Bmff.Single(kids, "esds", "mp4a"));
        if (esds.Length < 4) throw new PackagingFormatException("esds is cut off");

        var es = Descriptor(esds[4..], 0x03, "esds");
        var esFlags = Bmff.U8(es, 2, "ES_Descriptor");
        var pos = 3;
        if ((esFlags & 0x80) != 0) pos += 2;
        if ((esFlags & 0x40) != 0) pos += 1 + Bmff.U8(es, pos, "ES_Descriptor URL");
        if ((esFlags & 0x20) != 0) pos += 2;
        if (pos > es.Length) throw new PackagingFormatException("ES_Descriptor is cut off");
        var config = Descriptor(es[pos..], 0x04, "ES_Descriptor");
        var objectType = Bmff.U8(config, 0, "DecoderConfigDescriptor");
        if (objectType != 0x40)
            return new Fmp4Track("soun", 0, 0, $"mp4a.{objectType:x2}", 0, 0, channels, sampleRate, 0, []);
        if (config.Length < 13) throw new PackagingFormatException("DecoderConfigDescriptor is cut off");
        var asc = Descriptor(config[13..], 0x05, "DecoderConfigDescriptor");

        // AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): object type, sampling frequency index, channel configuration.
        var bits = new BitReader(asc);
        var aot = bits.Read(5);
        if (aot == 31) aot = 32 + bits.Read(6);
        if (bits.Read(4) == 15) bits.Read(24);
        var channelConfig = bits.Read(4);
        if (channelConfig is >= 1 and <= 7) channels = channelConfig == 7 ? 8 : channelConfig;
        return new Fmp4Track("soun", 0, 0, $"mp4a.40.{aot}", 0, 0, channels, sampleRate, 0, []);
    }

    /// <summary>The body of the first descriptor with that tag among those in <paramref name="data"/> (ISO/IEC 14496-1
    /// expandable sizes).</summary>
    private static ReadOnlySpan<byte> Descriptor(ReadOnlySpan<byte> data, byte tag, string parent)
    {
        var pos = 0;
        while (pos < data.Length)
        {
            var found = data[pos++];
            var length = 0;
            for (var i = 0; ; i++)
            {
                if (i == 4) throw new PackagingFormatException($"a descriptor size in {parent} runs past four bytes");
                var b = Bmff.U8(data, pos++, $"a descriptor in {parent}");
                length = (length << 7) | (b & 0x7F);
                if ((b & 0x80) == 0) break;
            }
            if (length > data.Length - pos) throw new PackagingFormatException($"a descriptor in {parent} runs past its end");
            if (found == tag) return data.Slice(pos, length);
            pos += length;
        }
        throw new PackagingFormatException($"{parent} has no descriptor 0x{tag:x2}");
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public int Read(int count)
        {
            var value = 0;
            for (var i = 0; i < count; i++, _bit++)
            {
                if (_bit >> 3 >= _data.Length) throw new PackagingFormatException("AudioSpecificConfig is cut off");
                value = (value << 1) | ((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
            }
            return value;
        }
    }

    private readonly record struct MoofFacts(long BaseDecodeTime, long Duration, int SampleCount, bool StartsWithSync);

    private static MoofFacts ReadMoof(byte[] moof, Fmp4Track track, TrackDefaults defaults, long offset, long fallbackStart)
    {
        var trafs = Bmff.Children(moof, "moof").Where(b => b.Type == "traf").ToList();
        if (trafs.Count == 0) throw new PackagingFormatException($"the moof at offset {offset} has no traf");
        long? baseTime = null;
        long duration = 0;
        var samples = 0;
        bool? firstSync = null;
        foreach (var trafBox in trafs)
        {
            var traf = Bmff.Payload(moof, trafBox);
            var kids = Bmff.Children(traf, "traf");
            var tfhd = Bmff.Payload(traf, Bmff.Single(kids, "tfhd", "traf"));
            var flags = Bmff.U32(tfhd, 0, "tfhd") & 0xFF_FFFF;
            var trackId = Bmff.U32(tfhd, 4, "tfhd");
            if (trackId != track.TrackId) throw new PackagingFormatException($"the moof at offset {offset} holds track {trackId}; the file's track is {track.TrackId}");
            // An absolute data offset points into this file: the fragment would not play once copied out of it.
            if ((flags & 0x01) != 0) throw new PackagingFormatException($"the moof at offset {offset} uses absolute data offsets, so it cannot be cut into a segment");
            var pos = 8;
            if ((flags & 0x02) != 0) pos += 4;
            var defaultDuration = defaults.Duration;
            var defaultFlags = defaults.Flags;
            if ((flags & 0x08) != 0) { defaultDuration = Bmff.U32(tfhd, pos, "tfhd"); pos += 4; }
            if ((flags & 0x10) != 0) pos += 4;
            if ((flags & 0x20) != 0) defaultFlags = Bmff.U32(tfhd, pos, "tfhd");

            if (Bmff.Optional(kids, "tfdt") is { } tfdtBox && baseTime is null)
            {
                var tfdt = Bmff.Payload(traf, tfdtBox);
                var time = Bmff.U8(tfdt, 0, "tfdt") == 1 ? Bmff.U64(tfdt, 4, "tfdt") : Bmff.U32(tfdt, 4, "tfdt");
                if (time > long.MaxValue / 2) throw new PackagingFormatException($"the tfdt at offset {offset} is out of range");
                baseTime = (long)time;
            }

            foreach (var trunBox in kids.Where(b => b.Type == "trun"))
            {
                var trun = Bmff.Payload(traf, trunBox);
                var trunFlags = Bmff.U32(trun, 0, "trun") & 0xFF_FFFF;
                var count = Bmff.U32(trun, 4, "trun");
                var p = 8;
                if ((trunFlags & 0x01) != 0) p += 4;
                uint? firstFlags = null;
                if ((trunFlags & 0x04) != 0) { firstFlags = Bmff.U32(trun, p, "trun"); p += 4; }
                var perSample = 4 * (((trunFlags & 0x100) != 0 ? 1 : 0) + ((trunFlags & 0x200) != 0 ? 1 : 0) +
                    ((trunFlags & 0x400) != 0 ? 1 : 0) + ((trunFlags & 0x800) != 0 ? 1 : 0));
                if ((long)count * perSample > trun.Length - p || (perSample == 0 && count > 1_000_000))
                    throw new PackagingFormatException($"a trun at offset {offset} claims {count} samples it does not hold");
                for (var i = 0; i < count; i++)
                {
                    var q = p;
                    uint sampleDuration;
                    if ((trunFlags & 0x100) != 0) { sampleDuration = Bmff.U32(trun, q, "trun"); q += 4; }
                    else sampleDuration = defaultDuration ?? throw new PackagingFormatException($"the moof at offset {offset} gives no sample duration");
                    if ((trunFlags & 0x200) != 0) q += 4;
                    uint? sampleFlags = (trunFlags & 0x400) != 0 ? Bmff.U32(trun, q, "trun") : defaultFlags;
                    if (i == 0 && firstFlags is not null) sampleFlags = firstFlags;
                    // No flags anywhere proves nothing: such a sample is not taken for a key frame.
                    firstSync ??= sampleFlags is { } sf && (sf & NonSyncSample) == 0;
                    duration += sampleDuration;
                    samples++;
                    p += perSample;
                }
            }
        }
        if (samples == 0) throw new PackagingFormatException($"the moof at offset {offset} has no samples");
        return new MoofFacts(baseTime ?? fallbackStart, duration, samples, firstSync ?? false);
    }
}
