using System.Text;

namespace Serverless.Store.Tests.Scripting;

/// <summary>
/// Helpers to write script commands for <see cref="Oracle.Differential"/>: the script as one
/// argument (it holds spaces and quotes), then numkeys, keys and arguments.
/// </summary>
static class ScriptCorpus
{
    public static string[] Eval(string script, params string[] keysThenArgs) => Call("EVAL", script, 0, keysThenArgs);

    /// <summary>EVAL with <paramref name="keys"/> keys first among the rest.</summary>
    public static string[] EvalKeys(string script, int keys, params string[] keysThenArgs) => Call("EVAL", script, keys, keysThenArgs);

    public static string[] Call(string command, string script, int keys, params string[] keysThenArgs) =>
        [command, script, keys.ToString(), .. keysThenArgs];

    public static string[] Command(params string[] args) => args;

    public static string Sha1(string script) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(script)));
}
