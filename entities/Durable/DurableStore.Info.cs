using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Commands;

namespace Serverless.Store.Durable;

/// <summary>
/// INFO's keyspace section over the durable store: the keys are entities, so the counts come from one
/// entity query over every key entity, streamed page by page (1,000 states a page, nothing kept
/// but three counters): its cost grows with the keyspace, like KEYS, so only an INFO that prints the
/// keyspace section pays for it (INFO, INFO default / all / everything / keyspace).
/// </summary>
public sealed partial class DurableStore
{
    /// <summary>True when this INFO prints the keyspace section.</summary>
    internal static bool InfoWantsKeyspace(byte[][] args)
    {
        if (args.Length == 0 || !System.Text.Encoding.ASCII.GetString(args[0]).Equals("info", StringComparison.OrdinalIgnoreCase)) return false;
        if (args.Length == 1) return true;
        return args.Skip(1).Any(a => System.Text.Encoding.UTF8.GetString(a).ToLowerInvariant() is "keyspace" or "default" or "all" or "everything");
    }

    /// <summary>Live keys, keys with an expiry and their mean remaining TTL, counted over every key entity.</summary>
    async Task<KeyspaceStats> CountKeyspaceAsync(CancellationToken cancellation)
    {
        var now = NowMs;
        long keys = 0, expires = 0;
        Int128 ttlSum = 0; // remaining TTLs can add up past 64 bits
        var query = new EntityQuery { InstanceIdStartsWith = EntityKeys.InstanceIdPrefixFor([]), IncludeState = true, PageSize = 1000 };
        await foreach (var entity in client.Entities.GetAllEntitiesAsync<KeyRecord>(query).WithCancellation(cancellation))
        {
            if (entity.State?.Key is not { } state || state.IsExpired(now)) continue; // replies only, or expired (reads as missing)
            keys++;
            if (state.ExpiresAt is { } at)
            {
                expires++;
                ttlSum += at - now;
            }
        }
        return new KeyspaceStats(keys, expires, expires == 0 ? 0 : (long)(ttlSum / expires));
    }

    /// <summary>What a command without keys runs on; INFO with the keyspace section gets the counted keyspace.</summary>
    async Task<CommandContext> LocalContextAsync(byte[][] args, CancellationToken cancellation) =>
        new(new LocalKeyspace(), NowMs)
        {
            Server = new LocalStats(PersistenceStats, InfoWantsKeyspace(args) ? await CountKeyspaceAsync(cancellation) : null),
        };
}
