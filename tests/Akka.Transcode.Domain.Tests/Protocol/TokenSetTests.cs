using System.Text.Json;
using Akka.Transcode.Protocol.Auth;

namespace Akka.Transcode.Domain.Tests.Protocol;

public sealed class TokenSetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tokens-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly TokenSet Set = new(["c1", "c2"], ["w1"], ["a1"]);

    [Theory]
    [InlineData("c1", TokenScope.Client)]
    [InlineData("c2", TokenScope.Client)]
    [InlineData("w1", TokenScope.Worker)]
    [InlineData("a1", TokenScope.Admin)]
    public void Each_token_identifies_its_scope_and_allows_only_it(string token, TokenScope scope)
    {
        Assert.Equal(scope, Set.Identify(token));
        foreach (var s in Enum.GetValues<TokenScope>())
            Assert.Equal(s == scope, Set.Allows(token, s));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("c")]
    [InlineData("c1 ")]
    [InlineData("C1")]
    [InlineData("c1c1")]
    public void Missing_or_wrong_tokens_are_unknown(string? token)
    {
        Assert.Null(Set.Identify(token));
        Assert.All(Enum.GetValues<TokenScope>(), s => Assert.False(Set.Allows(token, s)));
    }

    [Fact]
    public void Comma_separated_entries_are_split_and_blanks_dropped()
    {
        var set = new TokenSet(["x, y", " "], null, [""]);

        Assert.Equal(2, set.Count(TokenScope.Client));
        Assert.True(set.Allows("y", TokenScope.Client));
        Assert.Equal(0, set.Count(TokenScope.Admin));
        Assert.True(new TokenSet(null, [" ,"], null).IsEmpty);
    }

    [Fact]
    public void A_token_in_several_scopes_is_allowed_in_each_and_identified_by_the_widest()
    {
        var set = new TokenSet(["shared"], null, ["shared"]);

        Assert.True(set.Allows("shared", TokenScope.Client));
        Assert.True(set.Allows("shared", TokenScope.Admin));
        Assert.False(set.Allows("shared", TokenScope.Worker));
        Assert.Equal(TokenScope.Admin, set.Identify("shared"));
    }

    [Fact]
    public void ToString_does_not_show_tokens()
    {
        Assert.DoesNotContain("c1", Set.ToString());
    }

    [Fact]
    public void Configured_tokens_are_used_and_no_file_is_written()
    {
        var set = TokenSet.LoadOrCreate(_dir, ["mine"], null, null, out var created);

        Assert.False(created);
        Assert.True(set.Allows("mine", TokenScope.Client));
        Assert.False(File.Exists(TokenSet.PathFor(_dir)));
    }

    [Fact]
    public void With_nothing_configured_one_token_per_scope_is_made_kept_and_reused()
    {
        var first = TokenSet.LoadOrCreate(_dir, null, [], null, out var createdFirst);
        var path = TokenSet.PathFor(_dir);
        var stored = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        string Token(string scope) => stored.GetProperty(scope)[0].GetString()!;

        var second = TokenSet.LoadOrCreate(_dir, null, null, null, out var createdSecond);

        Assert.True(createdFirst);
        Assert.False(createdSecond);
        Assert.Equal(["client", "worker", "admin"], stored.EnumerateObject().Select(p => p.Name));
        foreach (var (name, scope) in new[] { ("client", TokenScope.Client), ("worker", TokenScope.Worker), ("admin", TokenScope.Admin) })
        {
            var token = Token(name);
            Assert.Equal(43, token.Length);
            Assert.Matches("^[A-Za-z0-9_-]+$", token);
            Assert.Equal(scope, first.Identify(token));
            Assert.Equal(scope, second.Identify(token));
        }
        Assert.Equal(3, new[] { Token("client"), Token("worker"), Token("admin") }.Distinct().Count());
        Assert.Single(Directory.GetFiles(_dir));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Two_data_directories_get_different_tokens()
    {
        var other = _dir + "-b";
        try
        {
            TokenSet.LoadOrCreate(_dir, null, null, null, out _);
            TokenSet.LoadOrCreate(other, null, null, null, out _);

            Assert.NotEqual(File.ReadAllText(TokenSet.PathFor(_dir)), File.ReadAllText(TokenSet.PathFor(other)));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"client\":[],\"worker\":[],\"admin\":[]}")]
    [InlineData("{}")]
    [InlineData("{\"client\":[\"a-long-enough-client-token\"],\"admin\":[\"root\"]}")]
    public void An_unusable_token_file_stops_the_start_instead_of_being_replaced(string content)
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(TokenSet.PathFor(_dir), content);

        var e = Assert.Throws<InvalidOperationException>(() => TokenSet.LoadOrCreate(_dir, null, null, null, out _));

        Assert.Contains(TokenSet.FileName, e.Message);
        Assert.DoesNotContain("root", e.Message.Replace(_dir, ""));
        Assert.Equal(content, File.ReadAllText(TokenSet.PathFor(_dir)));
    }

    [Fact]
    public void A_hand_written_token_file_is_honoured()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(TokenSet.PathFor(_dir), "{\"client\":[\"first-client-token\",\"second-client-token\"],\"admin\":[\"the-root-admin-token\"]}");

        var set = TokenSet.LoadOrCreate(_dir, null, null, null, out var created);

        Assert.False(created);
        Assert.True(set.Allows("second-client-token", TokenScope.Client));
        Assert.Equal(TokenScope.Admin, set.Identify("the-root-admin-token"));
        Assert.Equal(0, set.Count(TokenScope.Worker));
    }
}
