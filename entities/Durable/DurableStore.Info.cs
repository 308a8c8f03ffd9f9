using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Commands without keys, and INFO's keyspace section over the durable store: the keys are entities,
/// so the counts come from one entity query over every key entity (groups' keys included), streamed
/// page by page (1,000 states a page, nothing kept but three counters): its cost grows with the
/// keyspace, like KEYS, so only an INFO that prints the keyspace section pays for it (INFO, INFO
/// default / all / everything / keyspace).
/// </summary>
public sealed partial class DurableStore
{
    async Task<Reply> RunLocalAsync(StorePlan plan, CancellationToken cancellation)
    {
        if (plan.Refusal is { } refusal) return refusal;
        var args = plan.Command.Args;
        IServerConfig? config = null;
        if (plan.Command.Spec?.Name == "config")
        {
            // CONFIG SET changes the settings every process reads (the catalog entity), once stored.
            if (System.Text.Encoding.ASCII.GetString(args[1]).Equals("set", StringComparison.OrdinalIgnoreCase))
                return (await Scripts.ChangeAsync([args], cancellation))[0];
            config = new ProcessConfig(await Scripts.SettingsAsync(cancellation) ?? ServerSettings.Baseline);
        }
        var keyspace = InfoWantsKeyspace(plan.Command) ? await CountKeyspaceAsync(cancellation) : null;
        // TIME and INFO's server_time_usec answer the clock's microseconds, as Redis does.
        var micros = CommandContext.UnixMicros(time);
        return plan.Command.Execute(new CommandContext(NoKeys.Instance, micros / 1000)
        {
            NowMicros = micros, Server = new LocalStats(PersistenceStats, keyspace), Config = config,
        });
    }

    /// <summary>
    /// CONFIG GET and RESETSTAT on the durable store: the settings as this process's copy of the
    /// catalog holds them; RESETSTAT zeroes this process's statistics (INFO's are per process).
    /// CONFIG SET never reaches it (the catalog entity applies it).
    /// </summary>
    sealed class ProcessConfig(ServerSettings settings) : IServerConfig
    {
        public ServerSettings Settings => settings;
        public void Update(ServerSettings next) => throw new InvalidOperationException("CONFIG SET goes to the catalog entity");
        public void ResetStats()
        {
            KeyEntity.ResetExpiredKeys();
            ProcessActivity.ResetStats();
        }
    }

    /// <summary>True when this INFO prints the keyspace section.</summary>
    internal static bool InfoWantsKeyspace(CommandPlan command) =>
        command.Spec?.Name == "info" &&
        (command.Args.Length == 1 || command.Args.Skip(1).Any(a => System.Text.Encoding.UTF8.GetString(a).ToLowerInvariant() is "keyspace" or "default" or "all" or "everything"));

    /// <summary>Live keys, keys with an expiry and their mean remaining TTL, counted over every key entity.</summary>
    async Task<KeyspaceStats> CountKeyspaceAsync(CancellationToken cancellation)
    {
        var now = NowMs;
        long keys = 0, expires = 0;
        Int128 ttlSum = 0; // remaining TTLs can add up past 64 bits
        await foreach (var (_, _, state) in Keyspace.StatesAsync([], cancellation))
        {
            if (state.IsExpired(now)) continue; // reads as missing
            keys++;
            if (state.ExpiresAt is { } at)
            {
                expires++;
                ttlSum += at - now;
            }
        }
        return new KeyspaceStats(keys, expires, expires == 0 ? 0 : (long)(ttlSum / expires));
    }
}
