using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Serverless.Store.Keyspace;

namespace Serverless.Store.PubSub;

/// <summary>
/// Subscribe-only tokens for browsers: a JWT (HS256) with <c>scope: "subscribe"</c>, the channel
/// patterns it may use (<c>patterns</c>, Redis globs), an optional user id (<c>sub</c>) and an
/// expiry. Issued by <c>POST &lt;base&gt;/subscribe-token</c> to holders of the full-access token;
/// signed with a key derived from <c>STORE_TOKEN</c> (HMAC-SHA256 of it), so every instance of the
/// app verifies them without shared state, and changing <c>STORE_TOKEN</c> revokes them all.
/// </summary>
public sealed class SubscribeTokens
{
    public const string Scope = "subscribe";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    readonly SecurityKey? key;
    readonly TimeProvider time;

    /// <summary>No full-access token = no subscribe tokens (an open store needs none).</summary>
    public SubscribeTokens(string? fullToken, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        if (!string.IsNullOrEmpty(fullToken))
            key = Jwt.Key(HMACSHA256.HashData(Encoding.UTF8.GetBytes(fullToken), "serverless-store subscribe tokens v1"u8));
    }

    public bool CanIssue => key is not null;

    public string Issue(IReadOnlyList<string> patterns, TimeSpan lifetime, string? user = null)
    {
        if (key is null) throw new InvalidOperationException("no STORE_TOKEN is set, so there is no key to sign subscribe tokens");
        var claims = new Dictionary<string, object> { ["scope"] = Scope, ["patterns"] = patterns.ToArray() };
        if (!string.IsNullOrEmpty(user)) claims["sub"] = user;
        return Jwt.Create(key, null, lifetime, claims, time);
    }

    /// <summary>The grant in a valid subscribe token, else null.</summary>
    public async Task<SubscribeGrant?> ValidateAsync(string? token)
    {
        if (key is null) return null;
        var identity = await Jwt.ValidateAsync(token, key);
        if (identity is null || identity.FindFirst("scope")?.Value != Scope) return null;
        var patterns = identity.FindAll("patterns").Select(c => c.Value).ToArray();
        // A single-element array may come back as one JSON-array claim: accept both shapes.
        if (patterns.Length == 1 && patterns[0].StartsWith('['))
            patterns = JsonSerializer.Deserialize<string[]>(patterns[0]) ?? [];
        return new SubscribeGrant(patterns, identity.FindFirst("sub")?.Value);
    }
}

/// <summary>What a subscribe token allows: channels matching its patterns, and patterns within them.</summary>
public sealed record SubscribeGrant(string[] Patterns, string? User)
{
    public bool AllowsChannel(string channel)
    {
        var bytes = Encoding.UTF8.GetBytes(channel);
        return Patterns.Any(p => Glob.Match(Encoding.UTF8.GetBytes(p), bytes));
    }

    /// <summary>
    /// A pattern is allowed when every channel it can match is allowed. Deciding that for any two
    /// globs is costly, so the rule is conservative: the same pattern; a pattern without glob
    /// characters that a token pattern matches; or, for a token pattern "prefix*" with a literal
    /// prefix, any pattern starting with that prefix (it only matches channels with the prefix).
    /// </summary>
    public bool AllowsPattern(string pattern)
    {
        foreach (var p in Patterns)
        {
            if (p == pattern) return true;
            if (IsLiteral(pattern) && AllowsChannel(pattern) && Glob.Match(Encoding.UTF8.GetBytes(p), Encoding.UTF8.GetBytes(pattern))) return true;
            if (p.EndsWith('*') && IsLiteral(p[..^1]) && pattern.StartsWith(p[..^1], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    static bool IsLiteral(string s) => s.IndexOfAny(['*', '?', '[', '\\']) < 0;
}
