using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>Transactions and scripts: commands run as one atomic request where their keys are.</summary>
public sealed partial class DurableStore
{
    /// <summary>Runs of one script that asked for more keys, before the store gives up (keys that keep changing).</summary>
    public const int MaxReachRounds = 5;

    /// <summary>The most keys one run holds: a chain visits each key's entity, so a script's KEYS over a large keyspace is refused.</summary>
    public const int MaxReachedKeys = 1000;

    /// <summary>
    /// Past <see cref="MaxReachRounds"/>: keys named by values the script read (each run finds one
    /// more), or keys that kept changing. Running it again only helps in the second case, so say both.
    /// </summary>
    public const string TooManyRunsError =
        "ERR the store did not find every key this script uses in 5 runs (keys named by values it reads, or keys that kept changing): name its keys in KEYS, or run it again";

    /// <summary>
    /// Commands as one atomic request on the entities of their keys (a transaction, or one command
    /// that runs a script): no key, here; reads only, a read of the stored states; one entity, a
    /// request to it; several, a chain. A script that asks for keys it was not given (computed key
    /// names, KEYS or SCAN inside it) has changed nothing: it runs again with those keys and the keys
    /// its patterns list, until it has all it needs (docs/scripting.md, "On the durable store").
    /// </summary>
    async Task<Reply[]> RunOnKeysAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellation)
    {
        var needed = await Scripts.NeededByAsync(commands, cancellation);
        // EVALSHA of a script the catalog lacks (or FCALL of a missing function) answers without keys.
        var replies = commands.Count == 1 && needed.Missing
            ? RunWithoutKeys(commands, null)
            : await RunReachingAsync(commands, needed.Scripts, cancellation);
        await needed.Cached; // EVAL's script is in the catalog before EVAL answers, as in Redis
        return replies;
    }

    async Task<Reply[]> RunReachingAsync(IReadOnlyList<CommandPlan> commands, Scripting.ScriptCatalog? scripts, CancellationToken cancellation)
    {
        var named = commands.SelectMany(c => c.Keys).Distinct(Bytes.Comparer).ToArray();
        var write = commands.Any(c => ScriptCatalogs.Writes(c, scripts));
        var batch = CommandBatch.Of(commands);
        var reached = new List<byte[]>();
        var listing = false;
        for (var round = 1; ; round++)
        {
            byte[][] keys = [.. named, .. reached];
            var reach = scripts is null && reached.Count == 0 && !listing ? null : new ScriptReach { Scripts = scripts, Keys = [.. reached], Listing = listing };
            var entityKeys = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var key in keys) entityKeys.Add(EntityKeys.EntityOf(key));
            string[] held = [.. entityKeys];
            var replies = held.Length == 0 ? RunWithoutKeys(commands, reach)
                : !write ? await ReadAsync(held, keys, commands, reach, cancellation)
                : held.Length == 1 ? await Writes.SubmitAsync(held[0], batch, cancellation, reach)
                : await Chains.RunAsync(held, batch, cancellation, reach);
            if (!ScriptReach.NeedsKeys(replies)) return replies;
            if (round == MaxReachRounds)
                return Failed(commands, TooManyRunsError);
            var asked = replies.OfType<KeysNeededReply>().ToArray();
            foreach (var key in asked.SelectMany(r => r.Keys).Concat(await ListAsync(asked.SelectMany(r => r.Patterns), cancellation)))
                if (!keys.Contains(key, Bytes.Comparer) && !reached.Contains(key, Bytes.Comparer)) reached.Add(key);
            listing |= asked.Any(r => r.Patterns.Count > 0);
            if (named.Length + reached.Count > MaxReachedKeys)
                return Failed(commands, $"ERR this script uses more than {MaxReachedKeys} keys, more than the store holds for one run: name fewer, or list fewer with KEYS/SCAN");
        }
    }

    /// <summary>Commands with no key to hold (a script before it asked for any, or a transaction without keys): here, on no keys.</summary>
    Reply[] RunWithoutKeys(IReadOnlyList<CommandPlan> commands, ScriptReach? reach)
    {
        var ctx = ScriptReach.Context(reach, EntityKeyspace.Of([], [], reach?.Listing == true), NowMs, null, recordEvents: false, Stats, ReadConfig);
        return Transaction.Execute(ctx, commands);
    }

    /// <summary>The live keys that match glob patterns (a script's KEYS and SCAN MATCH).</summary>
    async Task<List<byte[]>> ListAsync(IEnumerable<byte[]> patterns, CancellationToken cancellation)
    {
        var keys = new List<byte[]>();
        var now = NowMs;
        foreach (var pattern in patterns.Distinct(Bytes.Comparer))
            await foreach (var (key, _, state) in Keyspace.StatesAsync(EntityKeys.LiteralPrefix(pattern), cancellation))
            {
                if (state.IsExpired(now) || !Glob.Match(pattern, key)) continue;
                keys.Add(key);
                if (keys.Count > MaxReachedKeys) return keys; // refused by the caller: no need to list more
            }
        return keys;
    }

    static Reply[] Failed(IReadOnlyList<CommandPlan> commands, string message) => [.. commands.Select(_ => (Reply)Reply.Error(message))];
}
