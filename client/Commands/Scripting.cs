using System.Security.Cryptography;
using System.Text;

namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>
    /// Runs a Lua script. <see cref="StoreClient"/> sends EVALSHA first (the store keeps scripts it
    /// has seen) and EVAL when the store answers NOSCRIPT, as @upstash/redis does; in a pipeline or
    /// transaction the script is sent with EVAL (there is no second round trip to fall back in).
    /// </summary>
    public virtual Task<StoreResult> EvalAsync(string script, IEnumerable<string>? keys = null, IEnumerable<StoreValue>? arguments = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(ScriptCommand("EVAL", script, keys, arguments), cancellationToken);

    /// <summary>EVALSHA: runs a script the store already holds (NOSCRIPT error otherwise).</summary>
    public Task<StoreResult> EvalShaAsync(string sha1, IEnumerable<string>? keys = null, IEnumerable<StoreValue>? arguments = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(ScriptCommand("EVALSHA", sha1, keys, arguments), cancellationToken);

    /// <summary>SCRIPT LOAD: stores a script; its SHA-1 (the same as <see cref="ScriptSha1"/>).</summary>
    public Task<string> ScriptLoadAsync(string script, CancellationToken cancellationToken = default) =>
        SendAsync(["SCRIPT", "LOAD", script], r => r.AsString()!, cancellationToken);

    /// <summary>The SHA-1 a script is known by (lower-case hex), as the store computes it.</summary>
    public static string ScriptSha1(string script) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script)));

    private protected static StoreValue[] ScriptCommand(string name, string scriptOrSha, IEnumerable<string>? keys, IEnumerable<StoreValue>? arguments)
    {
        var keyList = keys?.ToList() ?? [];
        return Command(name, [scriptOrSha, keyList.Count, .. Keys(keyList), .. arguments ?? []]);
    }
}
