using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Akka.Transcode.Protocol.Auth;

/// <summary>The generated tokens as kept in the data directory: <c>{"client":[..],"worker":[..],"admin":[..]}</c>.</summary>
internal sealed record TokenFile(string[] Client, string[] Worker, string[] Admin)
{
    public const int TokenBytes = 32;

    public static TokenFile Generate() => new([NewToken()], [NewToken()], [NewToken()]);

    /// <summary>32 random bytes, base64url without padding: safe in a query string and a header as it is.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>
    /// Writes under a temporary name created with owner-only permissions, then moves it into place without
    /// overwriting, so the tokens are never readable by others and two nodes starting together keep one file.
    /// Returns false when another process won the race.
    /// </summary>
    public static bool TryCreate(string path, TokenFile tokens)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temp, options))
                JsonSerializer.Serialize(stream, tokens, ProtocolJson.Options);
            try
            {
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static TokenFile Read(string path)
    {
        TokenFile? file;
        try
        {
            file = JsonSerializer.Deserialize<TokenFile>(File.ReadAllBytes(path), ProtocolJson.Options);
        }
        catch (JsonException e)
        {
            // The message names the file and the position only; JsonException never quotes the content.
            throw new InvalidOperationException($"{path} is not a valid token file ({e.Message}); fix or delete it", e);
        }
        if (file is null || (Empty(file.Client) && Empty(file.Worker) && Empty(file.Admin)))
            throw new InvalidOperationException($"{path} holds no tokens; delete it to have new ones made");
        foreach (var (scope, tokens) in new[] { ("client", file.Client), ("worker", file.Worker), ("admin", file.Admin) })
            if ((tokens ?? []).Any(t => !string.IsNullOrWhiteSpace(t) && t.Trim().Length < MinLength))
                throw new InvalidOperationException($"{path}: a {scope} token has fewer than {MinLength} characters; " +
                                                    "replace it with a longer one, or delete the file to have new ones made");
        return file with { Client = file.Client ?? [], Worker = file.Worker ?? [], Admin = file.Admin ?? [] };
    }

    /// <summary>The shortest token a node accepts (the node's options check configured tokens alike).</summary>
    public const int MinLength = 16;

    private static bool Empty(string[]? xs) => xs is null || xs.All(string.IsNullOrWhiteSpace);
}
