using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Durable;

/// <summary>
/// How big one key's value may grow: at most <see cref="MaxBytes"/> as <see cref="Weight"/> counts
/// it (a string its length, other types <see cref="KeyState.EstimatedBytes"/>). Every write rewrites
/// a key's whole state, in memory several times over (JSON, gzip, the backend's copies): past what an
/// instance's memory holds, writes would fail for want of memory rather than with an answer, so the
/// store refuses the command that would pass the limit and puts its keys back as they were, as Redis
/// refuses a write past maxmemory: in a pipeline or transaction that command alone fails
/// (docs/limits.md has the measured costs). The default, and the most, is what a string's JSON can
/// hold (<see cref="Strings.MaxStoredLength"/>, whose own check answers Redis's error first); the
/// <c>MaxValueBytes</c> setting lowers it for instances with less memory.
/// Commands change states in place and copying a big state for every write would cost about what
/// the write does, so <see cref="Run"/> copies a command's keys only when an upper bound of what
/// they may hold after it passes the limit.
/// </summary>
public static class KeyLimits
{
    public const string Setting = "MaxValueBytes";
    public const long Largest = Strings.MaxStoredLength, Smallest = 1024;

    /// <summary>The limit in force in this process (<see cref="Configure"/>).</summary>
    public static long MaxBytes { get; private set; } = Largest;

    /// <summary>Reads <c>MaxValueBytes</c> (unset: <see cref="Largest"/>); a host calls it once at start.</summary>
    public static void Configure(Func<string, string?> setting) => MaxBytes = setting(Setting) switch
    {
        null or "" => Largest,
        var text when long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                      && n is >= Smallest and <= Largest => n,
        var text => throw new FormatException($"{Setting}: '{text}' is not a whole number of bytes from {Smallest} to {Largest}: set it in that range, or remove it for {Largest}"),
    };

    /// <summary>What the limit counts of a value: a string's length, about the bytes another type takes stored.</summary>
    public static long Weight(KeyState state) => state.String?.Length ?? state.EstimatedBytes();

    /// <summary>Most a command can add for each argument beyond the argument's bytes (an element's overhead, a formatted number).</summary>
    const long PerArgument = 64;

    /// <summary>No bound known before the command runs.</summary>
    const long Unbounded = long.MaxValue;

    /// <summary>Whether a command may change what its keys hold (a read never does).</summary>
    static bool IsWrite(CommandPlan plan) =>
        plan.Spec is { } spec && (spec.IsWrite || spec.Flags.HasFlag(CommandFlags.Rewrites) || spec.Flags.HasFlag(CommandFlags.RunsScript));

    /// <summary>
    /// The most a write can add to what the keys hold (<paramref name="held"/>): its arguments' bytes,
    /// and for one that names several keys one more copy of what they hold (SUNIONSTORE, COPY, LMOVE
    /// move values between keys; on its one key such a command adds nothing). No bound for scripts,
    /// SORT (GET patterns multiply a list), RESTORE (a compressed payload), XREADGROUP (a pending
    /// entry per entry read) and SETRANGE, SETBIT, BITFIELD (an offset pads a string).
    /// </summary>
    static long Bound(CommandPlan plan, long held)
    {
        var spec = plan.Spec!;
        if (spec.Flags.HasFlag(CommandFlags.RunsScript) || spec.Name is "sort" or "restore" or "xreadgroup" or "setrange" or "setbit" or "bitfield") return Unbounded;
        var bound = plan.Keys.Count > 1 ? held : 0;
        foreach (var arg in plan.Args) bound += arg.Length + PerArgument;
        return bound;
    }

    /// <summary>
    /// An upper bound of what a request's keys hold together, kept command by command: their weights
    /// when the first write needs them (a request of reads never weighs its keys), plus each command's
    /// <see cref="Bound"/>, or what was weighed after a command whose bound came near the limit.
    /// </summary>
    internal sealed class Budget(EntityKeyspace keyspace)
    {
        long? held;

        public long Held
        {
            get => held ??= Enumerable.Range(0, keyspace.Count).Sum(i => keyspace.StateOf(i) is { } state ? Weight(state) : 0);
            set => held = value;
        }
    }

    /// <summary>
    /// Runs one command (<paramref name="execute"/>) within the limit. While its bound keeps the keys'
    /// total under the limit it just runs. Otherwise it runs on copies of the keys it may change (every
    /// key for a script); if it grew one past the limit, the originals go back, untouched, its events
    /// are dropped and it answers the refusal. A key over the limit already (restored, or written before
    /// the limit was lowered) may still shrink.
    /// </summary>
    internal static Reply Run(CommandPlan plan, EntityKeyspace keyspace, Budget budget, CommandContext ctx, Func<Reply> execute)
    {
        if (!IsWrite(plan)) return execute();
        var bound = Bound(plan, budget.Held);
        if (bound != Unbounded && budget.Held + bound <= MaxBytes)
        {
            budget.Held += bound;
            return execute();
        }
        var indexes = plan.Spec!.Flags.HasFlag(CommandFlags.RunsScript) ? Enumerable.Range(0, keyspace.Count).ToArray() : keyspace.IndexesOf(plan.Keys);
        var saved = indexes.Select(i => (Index: i, State: keyspace.StateOf(i), Changed: keyspace.Changed(i))).ToArray();
        var before = saved.Select(k => k.State is null ? 0 : Weight(k.State)).ToArray();
        foreach (var k in saved) keyspace.Put(k.Index, k.State?.Clone(), k.Changed);
        var reply = execute();
        ErrorReply? refusal = null;
        var held = budget.Held;
        for (var j = 0; j < saved.Length; j++)
        {
            var after = keyspace.StateOf(saved[j].Index) is { } state ? Weight(state) : 0;
            if (after > MaxBytes && after > before[j])
                refusal ??= new ErrorReply($"ERR this would make a key's value about {after} bytes, past the {MaxBytes} one key holds ({Setting}): split it over more keys");
            held += after - before[j];
        }
        if (refusal is null)
        {
            budget.Held = held;
            return reply;
        }
        foreach (var k in saved) keyspace.Put(k.Index, k.State, k.Changed);
        ctx.Events?.Clear();
        return refusal;
    }
}
