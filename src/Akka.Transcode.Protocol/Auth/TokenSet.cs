using System.Security.Cryptography;
using System.Text;

namespace Akka.Transcode.Protocol.Auth;

/// <summary>
/// The accepted tokens of each scope. Only SHA-256 digests are kept, and a presented token is compared with every
/// one of them in fixed time, so neither the position of a mismatch nor the length of a token shows in timing.
/// A class and not a record, and no member exposes the tokens, so nothing can print them by accident.
/// </summary>
public sealed class TokenSet
{
    public const string FileName = "tokens.json";

    private readonly (TokenScope Scope, byte[] Digest)[] _entries;

    /// <summary>
    /// Each list may hold comma-separated tokens in one entry, as an environment variable would carry them;
    /// blank entries are dropped.
    /// </summary>
    public TokenSet(IEnumerable<string>? client, IEnumerable<string>? worker, IEnumerable<string>? admin)
    {
        OutgoingWorkerToken = Split(worker).FirstOrDefault();
        _entries =
        [
            .. Split(client).Select(t => (TokenScope.Client, Digest(t))),
            .. Split(worker).Select(t => (TokenScope.Worker, Digest(t))),
            .. Split(admin).Select(t => (TokenScope.Admin, Digest(t))),
        ];
    }

    /// <summary>
    /// The first worker token, the one this node presents when it calls the other side of the worker protocol
    /// (a master calling a worker, or a worker calling its master). Both sides share the worker tokens.
    /// </summary>
    public string? OutgoingWorkerToken { get; }

    /// <summary>True when no scope has a token; every call is then refused.</summary>
    public bool IsEmpty => _entries.Length == 0;

    public int Count(TokenScope scope) => _entries.Count(e => e.Scope == scope);

    /// <summary>
    /// The scope of <paramref name="token"/>, or null for a missing or unknown token (-5). A token configured for
    /// several scopes reports the widest (Admin, then Worker, then Client); use <see cref="Allows"/> to check a call.
    /// </summary>
    public TokenScope? Identify(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var digest = Digest(token);
        TokenScope? found = null;
        // No early exit: every entry is compared whatever matched before.
        foreach (var (scope, d) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(d, digest) && (found is null || scope > found))
                found = scope;
        }
        return found;
    }

    /// <summary>Whether <paramref name="token"/> is one of the tokens of exactly <paramref name="scope"/>.</summary>
    public bool Allows(string? token, TokenScope scope)
    {
        if (string.IsNullOrEmpty(token)) return false;
        var digest = Digest(token);
        var allowed = false;
        foreach (var (s, d) in _entries)
            allowed |= CryptographicOperations.FixedTimeEquals(d, digest) & (s == scope);
        return allowed;
    }

    /// <summary>
    /// The configured tokens; when none is configured at all, those of <c>&lt;dataDir&gt;/tokens.json</c>, which is
    /// made on the first start with one random token per scope (mode 0600 on Unix). <paramref name="created"/> says
    /// the file was just written, so the caller can print where it is. Throws when the file exists but is unusable:
    /// silently replacing it would lock out every client holding the old tokens.
    /// </summary>
    public static TokenSet LoadOrCreate(string dataDir, IEnumerable<string>? client, IEnumerable<string>? worker,
        IEnumerable<string>? admin, out bool created)
    {
        created = false;
        var configured = new TokenSet(client, worker, admin);
        if (!configured.IsEmpty)
            return configured;

        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
            created = TokenFile.TryCreate(path, TokenFile.Generate());
        var stored = TokenFile.Read(path);
        return new TokenSet(stored.Client, stored.Worker, stored.Admin);
    }

    /// <summary>The file LoadOrCreate uses for <paramref name="dataDir"/>.</summary>
    public static string PathFor(string dataDir) => Path.GetFullPath(Path.Combine(dataDir, FileName));

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static IEnumerable<string> Split(IEnumerable<string>? tokens) =>
        (tokens ?? []).SelectMany(t => (t ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
