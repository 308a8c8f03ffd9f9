using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Serverless.Store.Api;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Differential;
using Serverless.Store.Tests.Oracle;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// The REST API of the running store against redis-server: the same seeded random commands go to
/// both, the HTTP body must be exactly redis-server's reply as the router encodes it
/// (`Upstash-Encoding: base64`, so bytes are exact), with Oracle.Differential's tolerances for
/// unordered, random and TTL replies. Each sequence gets its own key prefix, so the store needs no
/// FLUSHALL and sequences run side by side; redis-server gets the same prefixed keys. Each suite runs
/// with three key layouts (<see cref="KeyLayout"/>): keys of their own entities, every key of a
/// sequence under one hash tag (one entity), and half of them tagged, half not.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "redis-server")]
[Collection(StoreHostCollection.Name)]
public sealed class HttpDifferentialTests(StoreHost store, RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    /// <summary>Writes cost tens of ms each over the durable store: a few dozen sequences keep this near a minute.</summary>
    static readonly int Sequences = int.TryParse(Environment.GetEnvironmentVariable("HTTP_DIFFERENTIAL_SEQUENCES"), out var n) ? n : 32;
    const int Length = 30;
    const int Parallel = 4;
    static readonly string Run = Guid.NewGuid().ToString("N")[..6];

    [Theory]
    [InlineData(KeyLayout.Own)]
    [InlineData(KeyLayout.Tagged)]
    [InlineData(KeyLayout.Mixed)]
    public async Task Random_sequences_over_rest_answer_like_redis(KeyLayout layout)
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(1, Sequences), new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (seed, _) =>
        {
            var failure = await RunSeedAsync(seed, layout);
            if (failure is not null) lock (failures) failures.Add(failure);
        });
        output.WriteLine($"{Sequences} sequences x {Length} commands ({layout}) in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Theory]
    [InlineData(1, KeyLayout.Own)]
    public async Task One_seed(int seed, KeyLayout layout)
    {
        var failure = await RunSeedAsync(seed, layout);
        Assert.True(failure is null, failure);
    }

    async Task<string?> RunSeedAsync(int seed, KeyLayout layout)
    {
        var prefix = $"hd{layout}{Run}s{seed}";
        var commands = CommandGenerator.Sequence(new Random(seed), Length * 2)
            .Where(c => !IsWholeKeyspace(c) && !MayBlock(c)).Take(Length).Select(c => Prefixed(c, prefix, layout)).ToList();
        using var resp = new RespClient(redis.Port);
        for (var i = 0; i < commands.Count; i++)
        {
            var expected = resp.Call(Bytes(commands[i]));
            var (status, body) = await store.SendAsync(commands[i], base64: true);
            var mismatch = Compare(commands[i][0], expected, status, body);
            if (mismatch is not null)
                return $"seed {seed} (rerun with One_seed({seed}, KeyLayout.{layout})): reply {i + 1} differs: {mismatch}\n" + Describe(commands, i);
        }
        return null;
    }

    [Theory]
    [InlineData(KeyLayout.Own)]
    [InlineData(KeyLayout.Tagged)]
    [InlineData(KeyLayout.Mixed)]
    public async Task Pipeline_answers_like_redis_in_order(KeyLayout layout)
    {
        for (var seed = 1001; seed <= 1004; seed++)
        {
            var prefix = $"hp{layout}{Run}s{seed}";
            var commands = CommandGenerator.Sequence(new Random(seed), Length * 2)
                .Where(c => !IsWholeKeyspace(c) && !MayBlock(c)).Take(Length).Select(c => Prefixed(c, prefix, layout)).ToList();
            using var resp = new RespClient(redis.Port);
            var expected = commands.Select(c => resp.Call(Bytes(c))).ToList();
            var (status, body) = await store.PostAsync("/pipeline", JsonSerializer.Serialize(commands), base64: true);
            Assert.True(status == 200, $"pipeline -> {status} {body}");
            var actual = JsonDocument.Parse(body).RootElement;
            Assert.Equal(commands.Count, actual.GetArrayLength());
            for (var i = 0; i < commands.Count; i++)
            {
                var item = actual[i].GetRawText();
                var mismatch = CompareEnvelope(commands[i][0], expected[i], item);
                if (mismatch is not null)
                    throw new XunitException($"pipeline seed {seed}: reply {i + 1} differs: {mismatch}\n" + Describe(commands, i));
            }
        }
    }

    [Theory]
    [InlineData(KeyLayout.Own)]
    [InlineData(KeyLayout.Tagged)]
    [InlineData(KeyLayout.Mixed)]
    public async Task Multi_exec_answers_like_redis_exec(KeyLayout layout)
    {
        for (var seed = 2001; seed <= 2006; seed++)
        {
            var prefix = $"hm{layout}{Run}s{seed}";
            // KEYS is left out too: whole-keyspace commands cannot be locked, so a transaction refuses them (documented).
            var commands = CommandGenerator.Sequence(new Random(seed), 40)
                .Where(c => !IsWholeKeyspace(c) && c[0] != "KEYS").Take(8).Select(c => Prefixed(c, prefix, layout)).ToList();
            if (seed == 2006) commands.Insert(3, ["GET"]); // a queue-time error aborts the whole transaction
            using var resp = new RespClient(redis.Port);
            Assert.Equal(Reply.Ok, resp.Call("MULTI"));
            foreach (var c in commands) resp.Call(Bytes(c));
            var exec = resp.Call("EXEC");
            var (status, body) = await store.PostAsync("/multi-exec", JsonSerializer.Serialize(commands), base64: true);
            var context = $"multi-exec seed {seed}:\n" + Describe(commands, -1);
            if (exec is ErrorReply)
            {
                Assert.True(status == 400, $"{context}\nstatus {status} {body}");
                Assert.True(Encoding.UTF8.GetString(ReplyEncoder.Single(exec, base64: true)) == body, $"{context}\nredis-server: {exec}\nstore: {body}");
                continue;
            }
            Assert.True(status == 200, $"{context}\nstatus {status} {body}");
            var items = ((ArrayReply)exec).Items!;
            var actual = JsonDocument.Parse(body).RootElement;
            Assert.Equal(items.Count, actual.GetArrayLength());
            for (var i = 0; i < items.Count; i++)
            {
                var mismatch = CompareEnvelope(commands[i][0], items[i], actual[i].GetRawText());
                if (mismatch is not null) throw new XunitException($"{context}\nreply {i + 1} differs: {mismatch}");
            }
            // The transaction's effects, read back one key at a time, match too.
            foreach (var key in new[] { "k1", "k2", "k3", "k4" })
            {
                var type = new[] { "TYPE", Key(prefix, key, layout) };
                var (status2, body2) = await store.SendAsync(type, base64: true);
                var mismatch = Compare("type", resp.Call(Bytes(type)), status2, body2);
                Assert.True(mismatch is null, $"{context}\nafter EXEC, TYPE {key}: {mismatch}");
            }
        }
    }

    /// <summary>
    /// A blocking pop (BLPOP, BZMPOP...) would block redis-server's connection (and wait in the store)
    /// outside MULTI: single commands and pipelines leave them out; /multi-exec keeps them (neither waits there).
    /// </summary>
    static bool MayBlock(string[] command) => Oracle.Differential.MayBlock(Bytes(command));

    /// <summary>KEYS/DBSIZE see the whole store, which other sequences share: DBSIZE is left out, KEYS gets the prefix.</summary>
    static bool IsWholeKeyspace(string[] command) => command[0] is "DBSIZE";

    /// <summary>How a sequence's keys are named, and so which entities hold them.</summary>
    public enum KeyLayout
    {
        /// <summary>"P:k1": every key in an entity of its own.</summary>
        Own,
        /// <summary>"{P}k1": every key of a sequence under one hash tag, in one entity.</summary>
        Tagged,
        /// <summary>"{P}k1", "{P}k2" in the tag's entity; "P}k3", "P}k4" (no tag: no '{') in their own.</summary>
        Mixed,
    }

    static string Key(string prefix, string key, KeyLayout layout) => layout switch
    {
        KeyLayout.Own => prefix + ":" + key,
        KeyLayout.Tagged => "{" + prefix + "}" + key,
        _ => key is "k1" or "k2" ? "{" + prefix + "}" + key : prefix + "}" + key,
    };

    /// <summary>The generator's keys are k1..k4 and no value looks like one; KEYS patterns get the prefix too.</summary>
    static string[] Prefixed(string[] command, string prefix, KeyLayout layout)
    {
        var result = (string[])command.Clone();
        if (result[0] == "KEYS")
            result[1] = layout switch
            {
                KeyLayout.Own => prefix + ":" + result[1],
                KeyLayout.Tagged => "{" + prefix + "}" + result[1],
                _ => "*" + prefix + "}" + result[1], // both forms end the prefix with '}'
            };
        else
            for (var i = 1; i < result.Length; i++)
                if (result[i] is "k1" or "k2" or "k3" or "k4") result[i] = Key(prefix, result[i], layout);
        return result;
    }

    static byte[][] Bytes(string[] command) => command.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>A top-level reply: 400 for errors, 200 otherwise, and the body as the router encodes redis-server's reply.</summary>
    static string? Compare(string command, Reply expected, int status, string body)
    {
        var expectedStatus = expected is ErrorReply ? 400 : 200;
        if (status != expectedStatus) return $"status {status}, expected {expectedStatus}\nredis-server: {expected}\nstore: {body}";
        return CompareEnvelope(command, expected, body);
    }

    /// <summary>Exact JSON, else (for replies Redis leaves unordered or random, and TTLs) the decoded replies under Differential.Same.</summary>
    static string? CompareEnvelope(string command, Reply expected, string body)
    {
        var want = Encoding.UTF8.GetString(ReplyEncoder.Single(expected, base64: true));
        if (want == body) return null;
        Reply actual;
        try
        {
            actual = Decode(JsonDocument.Parse(body).RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return $"the store's body is not a reply ({e.Message})\nredis-server: {want}\nstore: {body}";
        }
        var redisDecoded = Decode(JsonDocument.Parse(want).RootElement);
        var same = command.ToLowerInvariant() switch
        {
            "expiretime" => Near(redisDecoded, actual, 1),
            "pexpiretime" => Near(redisDecoded, actual, 1000),
            _ => Oracle.Differential.Same(command, redisDecoded, actual),
        };
        return same ? null : $"\nredis-server: {want}\nstore:        {body}";
    }

    static bool Near(Reply a, Reply b, long tolerance) =>
        a is IntegerReply x && b is IntegerReply y && (x.Value < 0 || y.Value < 0 ? x.Value == y.Value : Math.Abs(x.Value - y.Value) <= tolerance);

    /// <summary>{"result": x} / {"error": e} back to a reply; strings are base64 except "OK".</summary>
    static Reply Decode(JsonElement envelope) =>
        envelope.TryGetProperty("error", out var e) ? Reply.Error(e.GetString()!) : Value(envelope.GetProperty("result"));

    static Reply Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => Reply.Nil,
        JsonValueKind.Number => Reply.Integer(v.GetInt64()),
        JsonValueKind.String when v.GetString() == "OK" => Reply.Ok,
        JsonValueKind.String => new BulkReply(Convert.FromBase64String(v.GetString()!)),
        JsonValueKind.Array => Reply.Array(v.EnumerateArray().Select(Value).ToArray()),
        JsonValueKind.Object => Decode(v),
        _ => throw new FormatException($"unexpected JSON {v.ValueKind}"),
    };

    static string Describe(List<string[]> commands, int failed)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < commands.Count; i++)
        {
            if (failed >= 0 && i > failed) break;
            sb.AppendLine($"{(i == failed ? ">>" : "  ")} {Oracle.Differential.Format(Bytes(commands[i]))}");
        }
        return sb.ToString();
    }
}
