using System.Text;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Maps;

/// <summary>A map as loaded: what ffmpeg gets, and the tables it reads with their names as the map file writes them.</summary>
public sealed record LoadedStitchMap(StitchMap Map, IReadOnlyList<MapTable> Tables);

/// <summary>
/// Reads a stitching map file and the lookup tables it names, and checks all of it: the master at add_job (so a
/// bad map is refused at once) and the worker again right before use (the files may have changed since).
/// Failures: -9 for a map or table file that is missing or cannot be read, -4 for bad content, -6 for a table
/// outside what the caller allows.
/// </summary>
public static class StitchMapLoader
{
    /// <summary>Map files are a few lines of JSON; a larger one is a mistake, not a map.</summary>
    public const int MaxMapBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<Result<StitchMap>> LoadAsync(string mapPath, CancellationToken ct)
    {
        var loaded = await LoadWithTablesAsync(mapPath, tableAllowed: null, ct);
        return loaded.IsOk ? Result<StitchMap>.Ok(loaded.Value!.Map) : loaded.Error!;
    }

    /// <param name="mapPath">The map file, absolute.</param>
    /// <param name="tableAllowed">
    /// Where a table's real path may lie (the master passes its media roots). A table elsewhere is refused with -6
    /// before it is opened, so the answer tells nothing about files outside.
    /// </param>
    public static async Task<Result<LoadedStitchMap>> LoadWithTablesAsync(string mapPath, Func<string, bool>? tableAllowed,
        CancellationToken ct)
    {
        if (!Path.IsPathFullyQualified(mapPath))
            return Result<LoadedStitchMap>.Fail(ErrorCode.SourceUnusable, $"the map path must be absolute: '{mapPath}'");
        // Tables are relative to the directory the map file really is in, whichever link led to it.
        var real = MediaRoots.RealPath(mapPath);
        if (!real.IsOk) return Result<LoadedStitchMap>.Fail(real.Error!.Code, $"the map file {real.Error.Message}");
        var mapFile = real.Value.Path;

        var text = await ReadMapTextAsync(mapFile, ct);
        if (!text.IsOk) return text.Error!;
        var definition = StitchMapParser.Parse(text.Value!);
        if (!definition.IsOk) return definition.Error!;

        switch (definition.Value)
        {
            case V360Definition v360:
                return Result<LoadedStitchMap>.Ok(new LoadedStitchMap(v360.Map, []));
            case RemapDefinition remap:
            {
                var dir = Path.GetDirectoryName(mapFile)!;
                var x = await ReadTableAsync(dir, "xmap", remap.XMap, tableAllowed, ct);
                if (!x.IsOk) return x.Error!;
                var y = await ReadTableAsync(dir, "ymap", remap.YMap, tableAllowed, ct);
                if (!y.IsOk) return y.Error!;
                var map = StitchMapParser.Remap(remap, x.Value.Path, x.Value.Header, y.Value.Path, y.Value.Header);
                if (!map.IsOk) return map.Error!;
                return Result<LoadedStitchMap>.Ok(new LoadedStitchMap(map.Value!,
                    [new MapTable(remap.XMap, x.Value.Path), new MapTable(remap.YMap, y.Value.Path)]));
            }
            default:
                throw new InvalidOperationException($"unknown map definition {definition.Value!.GetType().Name}");
        }
    }

    private static async Task<Result<string>> ReadMapTextAsync(string path, CancellationToken ct)
    {
        var usable = CheckFile(path, "the map file");
        if (usable is not null) return usable;
        byte[] bytes;
        try
        {
            await using var stream = OpenRead(path);
            if (stream.Length > MaxMapBytes)
                return Result<string>.Fail(ErrorCode.InvalidValue, $"the map file is larger than {MaxMapBytes / 1024} KiB");
            bytes = await ReadUpToAsync(stream, MaxMapBytes + 1, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Result<string>.Fail(ErrorCode.SourceUnusable, "the map file is not readable");
        }
        // The length was checked before reading, but the file may have grown since.
        if (bytes.Length > MaxMapBytes)
            return Result<string>.Fail(ErrorCode.InvalidValue, $"the map file is larger than {MaxMapBytes / 1024} KiB");
        try
        {
            return Result<string>.Ok(StrictUtf8.GetString(bytes).TrimStart('\uFEFF'));
        }
        catch (DecoderFallbackException)
        {
            return Result<string>.Fail(ErrorCode.InvalidValue, "the map file is not UTF-8 text");
        }
    }

    private static async Task<Result<(string Path, PgmHeader Header)>> ReadTableAsync(string dir, string key, string name,
        Func<string, bool>? allowed, CancellationToken ct)
    {
        var what = $"remap '{key}' ('{name}')";
        var real = MediaRoots.RealPath(Path.Join(dir, name));
        if (!real.IsOk)
            return Result<(string, PgmHeader)>.Fail(real.Error!.Code, $"{what} {real.Error.Message}");
        var path = real.Value.Path;
        if (allowed is not null && !allowed(path))
            return Result<(string, PgmHeader)>.Fail(ErrorCode.Forbidden, $"{what} is outside the media roots");
        var usable = CheckFile(path, what);
        if (usable is not null) return usable;
        try
        {
            await using var stream = OpenRead(path);
            var length = stream.Length;
            var head = await ReadUpToAsync(stream, PgmHeader.MaxHeaderBytes, ct);
            var header = PgmHeader.Parse(head);
            if (!header.IsOk)
                return Result<(string, PgmHeader)>.Fail(ErrorCode.InvalidValue, $"{what}: {header.Error!.Message}");
            var bad = StitchMapParser.CheckTable(key, name, header.Value!, length);
            return bad is null ? Result<(string, PgmHeader)>.Ok((path, header.Value!)) : bad;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Result<(string, PgmHeader)>.Fail(ErrorCode.SourceUnusable, $"{what} is not readable");
        }
    }

    /// <summary>
    /// -9 for what is not a readable regular file. Checked before opening: FIFOs and devices report length 0, and
    /// opening a FIFO would block until a writer came.
    /// </summary>
    private static Failure? CheckFile(string path, string what)
    {
        if (Directory.Exists(path)) return new Failure(ErrorCode.SourceUnusable, $"{what} is a directory, not a file");
        if (!File.Exists(path)) return new Failure(ErrorCode.SourceUnusable, $"{what} does not exist");
        if (new FileInfo(path).Length == 0)
            return new Failure(ErrorCode.SourceUnusable, $"{what} is empty or not a regular file");
        return null;
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);

    private static async Task<byte[]> ReadUpToAsync(Stream stream, int max, CancellationToken ct)
    {
        var buffer = new byte[max];
        var total = 0;
        while (total < max)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total, max - total), ct);
            if (read == 0) break;
            total += read;
        }
        return buffer[..total];
    }
}
