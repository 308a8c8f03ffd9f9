using System.Diagnostics;
using System.Text;
using Serverless.Store.RdbFiles;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;
using Serverless.Store.Types;

namespace Serverless.Store.Tests.Persistence;

/// <summary>
/// What the RDB tests compare: a key's type and value in one canonical text (sets and hashes
/// sorted, lists and sorted sets in their order, scores as Redis prints them), from our key
/// states or from a redis-server; and a redis-server of their own with a data folder.
/// </summary>
static class RdbModel
{
    /// <summary>Runs redis-check-rdb on a file: its exit code and everything it printed.</summary>
    public static (int Code, string Output) CheckRdb(string path)
    {
        var psi = new ProcessStartInfo("redis-check-rdb") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    static string B(byte[] b) => Convert.ToBase64String(b);

    public static string Describe(KeyState s) => s.Type switch
    {
        RedisType.String => "string " + B(s.String!),
        RedisType.List => "list " + string.Join(",", s.List!.Select(B)),
        RedisType.Set => "set " + string.Join(",", s.Set!.Members.Select(B).Order(StringComparer.Ordinal)),
        RedisType.Hash => "hash " + string.Join(",", s.Hash!.Entries.Select(e => B(e.Key) + "=" + B(e.Value)).Order(StringComparer.Ordinal)),
        RedisType.ZSet => "zset " + string.Join(",", s.SortedSet!.Entries.Select(e => B(e.Member) + "=" + Numbers.FormatDouble(e.Score))),
        RedisType.Stream => Describe(s.Stream!),
        var t => "unknown " + t,
    };

    /// <summary>
    /// Everything a stream holds, field by field: counters, nodes (master ID, master fields, entries
    /// with tombstones, and the listpack size when the node has no tombstone: a tombstone's values
    /// are not kept, see RdbWriter.NodeListpack), groups with their PEL and consumers.
    /// </summary>
    public static string Describe(StreamValue s)
    {
        var sb = new StringBuilder();
        sb.Append($"stream len={s.Length} last={s.LastId} first={s.FirstId} maxdel={s.MaxDeletedId} added={s.EntriesAdded}\n");
        foreach (var node in s.Nodes)
        {
            sb.Append($" node {node.Master} [{string.Join(",", node.MasterFields.Select(B))}] live={node.Live} deleted={node.Deleted}");
            if (node.Deleted == 0) sb.Append($" bytes={node.ListpackBytes}");
            sb.Append('\n');
            foreach (var e in node.Entries)
                sb.Append($"  {e.Id} {(e.Fields is null ? "deleted" : string.Join(",", e.Fields.Select(B)))}\n");
        }
        foreach (var g in s.Groups.Values)
        {
            sb.Append($" group {B(g.Name)} last={g.LastId} read={g.EntriesRead}\n");
            foreach (var p in g.Pending) sb.Append($"  pel {p.Id} {B(p.Consumer!.Name)} {p.DeliveryTime} {p.DeliveryCount}\n");
            foreach (var c in g.Consumers.Values)
                sb.Append($"  consumer {B(c.Name)} seen={c.SeenTime} [{string.Join(",", c.Pending.Select(p => p.Id))}]\n");
        }
        return sb.ToString();
    }

    public static string Describe(RespClient redis, byte[] key)
    {
        var type = ((SimpleReply)redis.Call("TYPE"u8.ToArray(), key)).Value;
        Reply Call(params string[] rest) => redis.Call([.. rest.Take(1).Select(Encoding.UTF8.GetBytes), key, .. rest.Skip(1).Select(Encoding.UTF8.GetBytes)]);
        IEnumerable<byte[]> Items(Reply r) => ((ArrayReply)r).Items!.Select(i => ((BulkReply)i).Value!);
        switch (type)
        {
            case "string":
                return "string " + B(((BulkReply)Call("GET")).Value!);
            case "list":
                return "list " + string.Join(",", Items(Call("LRANGE", "0", "-1")).Select(B));
            case "set":
                return "set " + string.Join(",", Items(Call("SMEMBERS")).Select(B).Order(StringComparer.Ordinal));
            case "hash":
            {
                var flat = Items(Call("HGETALL")).ToArray();
                return "hash " + string.Join(",", Enumerable.Range(0, flat.Length / 2).Select(i => B(flat[2 * i]) + "=" + B(flat[2 * i + 1])).Order(StringComparer.Ordinal));
            }
            case "zset":
            {
                var flat = Items(Call("ZRANGE", "0", "-1", "WITHSCORES")).ToArray();
                return "zset " + string.Join(",", Enumerable.Range(0, flat.Length / 2).Select(i => B(flat[2 * i]) + "=" + Encoding.ASCII.GetString(flat[2 * i + 1])));
            }
            default:
                return "unknown " + type;
        }
    }

    /// <summary>PEXPIRETIME: the absolute expiry in ms, or null for a persistent key.</summary>
    public static long? ExpiresAt(RespClient redis, byte[] key)
    {
        var at = ((IntegerReply)redis.Call("PEXPIRETIME"u8.ToArray(), key)).Value;
        return at < 0 ? null : at;
    }

    public static List<RdbEntry> ReadAll(byte[] file)
    {
        var reader = new RdbReader(new MemoryStream(file));
        var entries = new List<RdbEntry>();
        while (reader.TryRead(out var e)) entries.Add(e);
        return entries;
    }

    public static byte[] Write(IReadOnlyCollection<KeyValuePair<byte[], KeyState>> keys, long nowMs)
    {
        var output = new MemoryStream();
        RdbWriter.WriteFile(output, keys, nowMs);
        return output.ToArray();
    }
}

/// <summary>
/// A redis-server of a test's own, loading and saving <c>dir/dbfilename</c>; killed on dispose.
/// <paramref name="extra"/>: more redis-server options (e.g. "--sanitize-dump-payload", "yes").
/// </summary>
sealed class RedisWithFile(string dir, string file, params string[] extra) : IDisposable
{
    readonly RedisServer server = new(["--dir", dir, "--dbfilename", file, .. extra]);

    public RespClient Client => server.Client;
    public string Path { get; } = System.IO.Path.Combine(dir, file);

    public void Dispose() => server.Dispose();
}
