using Akka.Transcode.Domain;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Files;

/// <param name="TempPath">The finished output under its temporary name, in the output's directory: a file, or the
/// directory of an output-group job (OutputLayout.TempGroupDir), renamed as a whole.</param>
/// <param name="OutputPath">Where the output belongs (dst_dir and its name; a group job's OutputLayout.GroupDir).</param>
/// <param name="WorkDir">The job's parts directory, removed once the output is in place.</param>
public sealed record OutputPublication(string TempPath, string OutputPath, bool Overwrite, string? WorkDir);

/// <summary>Puts a job's finished output in place under its real name. Safe to repeat after a crash part-way.</summary>
public interface IOutputPublisher
{
    /// <summary>The output path when it is in place; -6 when its directory left the media roots, -8 when it exists and
    /// overwrite is off, -1 when the rename failed.</summary>
    Task<Result<string>> PublishAsync(OutputPublication publication, CancellationToken ct);

    /// <summary>Removes what a failed or cancelled job left: its parts directory and its temporary output (a file or a
    /// group job's directory, with everything in it).</summary>
    Task DiscardAsync(string? workDir, string? tempOutput);
}

/// <summary>
/// The rename at a job's end. The output's directory is checked against the media roots again right before the rename
/// (a directory swapped for a link since add_job must not redirect the output), and an earlier output that
/// <c>overwrite</c> replaces is moved aside, not deleted, until the new one is in place: a failed rename puts it back,
/// and a node that crashed in between finds it under its aside name and finishes the job. An output-group job's
/// output is a directory and goes the same way, renamed whole, so a player never sees a ladder half there.
/// </summary>
/// <param name="roots">The node's media roots; null only where an entity runs without a node (tests).</param>
public sealed class OutputPublisher(MediaRoots? roots) : IOutputPublisher
{
    /// <summary>Where an earlier output waits while the new one replaces it. Not a <c>.partial-</c> name: a failed or
    /// cancelled job's cleanup must never take it.</summary>
    public static string AsideName(string tempPath) => tempPath + ".replaced";

    public Task<Result<string>> PublishAsync(OutputPublication publication, CancellationToken ct) =>
        Task.Run(() => Publish(publication), ct);

    // With the roots, nothing is deleted through a directory that a link now leads out of them.
    public Task DiscardAsync(string? workDir, string? tempOutput) =>
        Task.Run(() => FileCleanup.Remove(workDir, tempOutput, roots));

    public Result<string> Publish(OutputPublication p)
    {
        var dir = Path.GetDirectoryName(p.OutputPath)!;
        if (roots is not null)
        {
            // The directory was resolved to its real path at add_job: it must still resolve to exactly that.
            var resolved = roots.ResolveDestinationDir(dir);
            if (!resolved.IsOk || !string.Equals(resolved.Value, dir, StringComparison.Ordinal))
                return Result<string>.Fail(ErrorCode.Forbidden,
                    $"the output directory {dir} is no longer inside the media roots (it was replaced since the job was accepted)");
        }

        var aside = AsideName(p.TempPath);
        if (!Exists(p.TempPath))
        {
            // A crash after the rename and before the job stored its end: the output is in place already.
            if (Exists(p.OutputPath))
            {
                RemoveAside(aside);
                FileCleanup.Remove(p.WorkDir, p.TempPath, roots);
                return Result<string>.Ok(p.OutputPath);
            }
            Restore(aside, p.OutputPath);
            return Result<string>.Fail(ErrorCode.Internal, "the finished output disappeared before it could be renamed");
        }

        // The job wrote a file or a directory there; a link in its place would publish whatever it leads to.
        if (new FileInfo(p.TempPath).LinkTarget is not null)
            return Result<string>.Fail(ErrorCode.Forbidden, $"the finished output {p.TempPath} was replaced by a link");

        if (!p.Overwrite)
        {
            try
            {
                Move(p.TempPath, p.OutputPath, overwrite: false);
            }
            catch (IOException) when (Exists(p.OutputPath))
            {
                return Result<string>.Fail(ErrorCode.Conflict, $"output {p.OutputPath} already exists and overwrite is false");
            }
        }
        else
        {
            // An aside entry already there is the earlier output of an attempt that crashed part-way: keep that one.
            if (Exists(p.OutputPath) && !Exists(aside)) Move(p.OutputPath, aside, overwrite: false);
            try
            {
                Move(p.TempPath, p.OutputPath, overwrite: true);
            }
            catch
            {
                Restore(aside, p.OutputPath);
                throw;
            }
            RemoveAside(aside);
        }
        FileCleanup.Remove(p.WorkDir, p.TempPath, roots);
        return Result<string>.Ok(p.OutputPath);
    }

    // A file, a directory or a link (even one leading nowhere) holds the name.
    private static bool Exists(string path) =>
        File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// A rename of a file or of a whole directory. A directory never replaces anything (the earlier output was moved
    /// aside first; whatever took its name since is not ours to replace); a link is renamed as the link.
    /// </summary>
    private static void Move(string from, string to, bool overwrite)
    {
        if (Directory.Exists(from) && new FileInfo(from).LinkTarget is null) Directory.Move(from, to);
        else File.Move(from, to, overwrite);
    }

    private void RemoveAside(string aside)
    {
        if (Directory.Exists(aside) && new FileInfo(aside).LinkTarget is null) FileCleanup.RemoveDirectory(aside, roots);
        else FileCleanup.TryDelete(aside, roots);
    }

    /// <summary>Puts an earlier output back where it was, unless something took its place.</summary>
    private static void Restore(string aside, string output)
    {
        try
        {
            if (Exists(aside) && !Exists(output)) Move(aside, output, overwrite: false);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
