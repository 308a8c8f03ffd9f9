using System.Collections.Concurrent;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Durable;

/// <summary>
/// XREAD / XREADGROUP with BLOCK over HTTP. There is no connection to park, and an entity must not
/// be held while a caller waits, so: the command runs once without blocking; with nothing to
/// serve, the caller waits for a change of one of its stream keys (<see cref="ReplyChannel.NextChangeAsync"/>:
/// a commit the host reports, or a poll), evaluates the command on the stored states, and
/// only when that would serve something runs it for real (XREAD: the evaluation is the answer, as
/// on the read path; XREADGROUP: the entity runs it, since it moves entries into the PEL). At the
/// deadline the answer is nil, as a timed-out Redis BLOCK. BLOCK 0 and longer timeouts wait
/// <see cref="MaxBlock"/>. In pipelines and transactions BLOCK does not wait (as in MULTI).
/// </summary>
public sealed partial class DurableStore
{
    /// <summary>Longest BLOCK served (BLOCK 0 waits this long): kept below HTTP clients' and front ends' timeouts.</summary>
    public TimeSpan MaxBlock { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a blocked read looks at its streams' stored states when no change wakes it.</summary>
    public TimeSpan BlockPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The parsed request when the plan is a valid XREAD/XREADGROUP with BLOCK, else null.</summary>
    static Streams.ReadRequest? BlockingRead(StorePlan plan)
    {
        if (plan.Command.Spec?.Name is not ("xread" or "xreadgroup")) return null;
        try
        {
            var request = Streams.ParseRead(plan.Command.Args);
            return request.Block >= 0 ? request : null;
        }
        catch (RedisException)
        {
            return null; // the engine answers the error
        }
    }

    async Task<Reply> BlockingReadAsync(StorePlan plan, Streams.ReadRequest request, CancellationToken cancellation)
    {
        var args = plan.Command.Args;
        var started = time.GetTimestamp();
        var limit = request.Block == 0 || request.Block > MaxBlock.TotalMilliseconds ? MaxBlock : TimeSpan.FromMilliseconds(request.Block);
        if (plan.Refusal is { } refusal) return refusal; // a key too long
        var keys = new byte[request.StreamCount][];
        for (var k = 0; k < keys.Length; k++) keys[k] = args[request.StreamsAt + k];
        var entityKeys = keys.Select(EntityKeys.EntityOf).Distinct(StringComparer.Ordinal).ToArray();

        var command = StorePlan.Of(await WithoutBlockAsync(args, request, keys, cancellation));
        var reply = await RunAsync(command, cancellation);
        var isGroup = request.Group is not null;
        while (reply is ArrayReply { Items: null })
        {
            var left = limit - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return reply;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                var wake = new List<Task>(entityKeys.Length + 1) { Task.Delay(left < BlockPollInterval ? left : BlockPollInterval, time, wait.Token) };
                foreach (var entityKey in entityKeys) wake.Add(Replies.NextChangeAsync(KeyEntity.Id(entityKey), wait.Token));
                await Task.WhenAny(wake);
                wait.Cancel();
            }
            cancellation.ThrowIfCancellationRequested();

            var peek = await PeekAsync(command.Command, keys, cancellation);
            if (peek is ArrayReply { Items: null }) continue;
            if (!isGroup) return peek;
            reply = await RunAsync(command, cancellation); // another consumer may have taken them: then wait on
        }
        return reply;
    }

    /// <summary>
    /// The command without its BLOCK option, and for XREAD with "$" resolved to each stream's last
    /// ID now, so that retries wait for entries added after the call (what "$" means in Redis).
    /// </summary>
    async Task<byte[][]> WithoutBlockAsync(byte[][] args, Streams.ReadRequest request, byte[][] keys, CancellationToken cancellation)
    {
        var command = new List<byte[]>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (i < request.StreamsAt && args[i].Length == 5 && Bytes.Text(args[i]).Equals("block", StringComparison.OrdinalIgnoreCase))
            {
                i++;
                continue;
            }
            command.Add(args[i]);
        }
        var idsAt = command.Count - keys.Length;
        if (request.Group is null)
        {
            var now = NowMs;
            for (var k = 0; k < keys.Length; k++)
            {
                if (command[idsAt + k] is not [(byte)'$']) continue;
                var state = await Reads.ReadKeyAsync(keys[k], cancellation);
                if (state is not null && state.IsExpired(now)) state = null;
                if (state is null) command[idsAt + k] = StreamId.Zero.ToBytes();
                else if (state.Stream is { } stream) command[idsAt + k] = stream.LastId.ToBytes();
                // another type: "$" stays, the engine answers WRONGTYPE
            }
        }
        return command.ToArray();
    }

    /// <summary>The command evaluated on the streams' stored states, changing nothing stored.</summary>
    async Task<Reply> PeekAsync(CommandPlan command, byte[][] keys, CancellationToken cancellation)
    {
        var keyspace = new MemoryKeyspace();
        for (var k = 0; k < keys.Length; k++)
        {
            if (keyspace.Get(keys[k]) is not null) continue;
            if (await Reads.ReadKeyAsync(keys[k], cancellation) is { } state) keyspace.Set(keys[k], state);
        }
        return command.Execute(new CommandContext(keyspace, NowMs));
    }
}
