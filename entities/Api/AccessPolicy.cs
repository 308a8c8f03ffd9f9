using System.Security.Cryptography;
using System.Text;
using Serverless.Store.Commands;

namespace Serverless.Store.Api;

public enum Access { None, ReadOnly, Full }

/// <summary>
/// The store's bearer tokens: a full-access token (STORE_TOKEN) and a read-only one
/// (STORE_READONLY_TOKEN). With neither configured, every caller has full access: the hosts
/// decide whether that is allowed (loopback only, never in Azure).
/// </summary>
public sealed class AccessPolicy(string? fullToken, string? readOnlyToken, bool inAzure = false)
{
    /// <summary>The app settings the store reads for access (both hosts).</summary>
    public const string TokenSetting = "STORE_TOKEN", ReadOnlyTokenSetting = "STORE_READONLY_TOKEN";

    /// <summary>Set by App Service / Azure Functions on every app it runs: the store is on the internet.</summary>
    public const string AzureSiteSetting = "WEBSITE_SITE_NAME";

    readonly byte[]? full = Bytes(fullToken);
    readonly byte[]? readOnly = Bytes(readOnlyToken);

    public bool IsOpen => full is null && readOnly is null;

    /// <summary>Running in Azure (App Service / Functions), where an open store would be public.</summary>
    public bool InAzure { get; } = inAzure;

    public static AccessPolicy FromSettings(Func<string, string?> setting) =>
        new(setting(TokenSetting), setting(ReadOnlyTokenSetting), !string.IsNullOrEmpty(setting(AzureSiteSetting)));

    /// <summary>
    /// The rule for a store with no token configured, the same in both hosts: in Azure it serves
    /// nobody (it would be open to the internet); elsewhere it serves loopback clients only.
    /// Returns why a request is refused, or null to serve it.
    /// </summary>
    public string? RefusalWithoutToken(bool remoteIsLoopback)
    {
        if (!IsOpen) return null;
        if (InAzure)
            return $"ERR no token is configured, so this store in Azure serves nobody: set the app setting {TokenSetting} (and optionally {ReadOnlyTokenSetting})";
        return remoteIsLoopback ? null : $"ERR no token is configured, so only loopback clients are served: set {TokenSetting}";
    }

    /// <summary>The access a presented token grants; compared in constant time.</summary>
    public Access Authenticate(string? token)
    {
        if (IsOpen) return Access.Full;
        if (string.IsNullOrEmpty(token)) return Access.None;
        var presented = Encoding.UTF8.GetBytes(token);
        if (full is not null && CryptographicOperations.FixedTimeEquals(presented, full)) return Access.Full;
        if (readOnly is not null && CryptographicOperations.FixedTimeEquals(presented, readOnly)) return Access.ReadOnly;
        return Access.None;
    }

    /// <summary>
    /// Read-only tokens run commands flagged read-only (KEYS and SCAN included: they read) and
    /// the keyless informational ones (PING, ECHO, TIME, INFO, COMMAND, PUBSUB); admin commands and
    /// PUBLISH need the full token.
    /// </summary>
    public static bool Allows(Access access, CommandSpec spec) => access switch
    {
        Access.Full => true,
        Access.ReadOnly => !spec.Flags.HasFlag(CommandFlags.Write) && !spec.Flags.HasFlag(CommandFlags.Admin)
            && !spec.Flags.HasFlag(CommandFlags.Publishes),
        _ => false,
    };

    /// <summary>Tokens shorter than this are easy enough to guess to warn about (Upstash's are ~60 characters).</summary>
    public const int MinTokenLength = 32;

    /// <summary>Tokens with fewer different characters than this are patterns, not secrets ("aaaa...", "1234...").</summary>
    public const int MinDistinctCharacters = 10;

    /// <summary>
    /// Why a configured token is weak, one line per weak token (empty when none is): shorter than
    /// <see cref="MinTokenLength"/> characters or with fewer than <see cref="MinDistinctCharacters"/>
    /// different ones. The line names the setting, never the token. Both hosts log these at start.
    /// </summary>
    public static IEnumerable<string> WeakTokens(Func<string, string?> setting)
    {
        foreach (var name in new[] { TokenSetting, ReadOnlyTokenSetting })
        {
            if (setting(name) is not { Length: > 0 } token) continue;
            if (token.Length < MinTokenLength || token.Distinct().Count() < MinDistinctCharacters)
                yield return $"{name} is short enough to guess ({token.Length} characters, {token.Distinct().Count()} different): use {MinTokenLength} or more random characters, e.g. `openssl rand -base64 48`";
        }
    }

    static byte[]? Bytes(string? token) => string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);
}
