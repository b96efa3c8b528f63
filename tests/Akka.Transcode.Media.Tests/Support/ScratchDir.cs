namespace Akka.Transcode.Media.Tests.Support;

/// <summary>A temp folder per test or fixture, removed afterwards; its name has a space so every path exercises quoting.</summary>
public sealed class ScratchDir : IDisposable
{
    public ScratchDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "akka transcode media " + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a busy file in /tmp is not worth failing a test over */ }
    }
}
