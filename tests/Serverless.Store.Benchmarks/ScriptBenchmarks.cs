using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Scripting;

namespace Serverless.Store.Benchmarks;

/// <summary>
/// EVAL of a small script (INCRBY + PEXPIRE, what @upstash/ratelimit's fixed window does) against
/// the same two commands without Lua, and EVALSHA of the ratelimit-style script, engine only: what
/// scripting costs a key entity per operation.
/// </summary>
[MemoryDiagnoser]
public class ScriptBenchmarks
{
    const long Now = 1_700_000_000_000;
    const string Script = "local r = redis.call('INCRBY', KEYS[1], ARGV[1])\nif r == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\nreturn r";

    readonly MemoryKeyspace keyspace = new();
    readonly ScriptCatalog catalog = new();
    byte[][] eval = null!, evalSha = null!, incrBy = null!, pexpire = null!, evalEmpty = null!;

    static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    Protocol.Reply Run(byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now) { Scripts = catalog }, args);

    [GlobalSetup]
    public void Setup()
    {
        eval = Args("EVAL", Script, "1", "rl:user", "1", "60000");
        evalSha = Args("EVALSHA", ScriptCatalog.Sha1Hex(Encoding.UTF8.GetBytes(Script)), "1", "rl:user", "1", "60000");
        incrBy = Args("INCRBY", "rl:user", "1");
        pexpire = Args("PEXPIRE", "rl:user", "60000");
        evalEmpty = Args("EVAL", "return 1", "0");
        Run(eval); // compiles and caches it
    }

    /// <summary>The two commands the script runs, without Lua.</summary>
    [Benchmark(Baseline = true)]
    public Protocol.Reply Commands()
    {
        Run(incrBy);
        return Run(pexpire);
    }

    [Benchmark] public Protocol.Reply Eval() => Run(eval);

    [Benchmark] public Protocol.Reply EvalSha() => Run(evalSha);

    /// <summary>The fixed cost of a run: a pooled state, the budget hook, the overlay, the reply.</summary>
    [Benchmark] public Protocol.Reply EvalReturn1() => Run(evalEmpty);
}
