using System.Text;
using System.Text.Json;
using Serverless.Store.Api;
using Serverless.Store.Commands;

namespace Serverless.Store.Tests.Api;

/// <summary>
/// The read-only token against the whole command table: every command and every subcommand, with
/// arguments that name keys of every type, scripts that write and functions that write. A command
/// that writes, administers or publishes must be refused (403 NOPERM); any other may run, and after
/// all of them the keyspace, the script catalog and the settings must be exactly as before.
/// </summary>
public sealed class ReadOnlyWalkTests
{
    const string Full = "walk-full-token-0123456789abcdef", Read = "walk-read-token-0123456789abcdef";

    readonly MemoryStore store = new(ownServer: true);
    HashSet<string> seeded = [];
    readonly RestRouter router;

    public ReadOnlyWalkTests() => router = new RestRouter(store, new AccessPolicy(Full, Read));

    async Task<(int Status, string Body)> Send(string token, params string[] command)
    {
        var response = await router.HandleAsync(RestRouterTests.Request("POST", "", JsonSerializer.Serialize(command), token));
        return (response.Status, Encoding.UTF8.GetString(response.Body));
    }

    /// <summary>Every key's DUMP and expiry time, the scripts and libraries, and the settings: what no read may change.</summary>
    async Task<string> Fingerprint()
    {
        var all = new StringBuilder();
        foreach (var key in store.Keyspace.Entries.Select(e => Encoding.UTF8.GetString(e.Key)).Order(StringComparer.Ordinal))
            all.Append(key).Append((await Send(Full, "DUMP", key)).Body).Append((await Send(Full, "PEXPIRETIME", key)).Body).Append('\n');
        // Scripts only by those seeded: EVAL adds what it runs to the cache, as Redis does for any client.
        all.Append(string.Join(",", store.Scripts!.Scripts.Keys.Where(seeded.Contains).Order())).Append('|')
           .Append(string.Join(",", store.Scripts.Libraries.Select(l => l.Name + l.Code.Length).Order())).Append('|')
           .Append(store.Config!.Settings);
        return all.ToString();
    }

    static readonly string[] Seed =
    [
        """["SET","k:string","10"]""", """["RPUSH","k:list","a","b","c"]""", """["SADD","k:set","a","b"]""",
        """["ZADD","k:zset","1","a","2","b"]""", """["HSET","k:hash","f","1","g","2"]""", """["XADD","k:stream","1-1","f","v"]""",
        """["XGROUP","CREATE","k:stream","g","0"]""", """["SET","k:ttl","v","EX","1000"]""",
        """["SCRIPT","LOAD","return redis.call('set','k:string','script')"]""",
        """["FUNCTION","LOAD","#!lua name=walklib\nredis.register_function('walkwrite', function(keys, args) return redis.call('set', keys[1], 'fn') end)\nredis.register_function{function_name='walkread', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}"]""",
    ];

    /// <summary>Argument lists for a command: its minimum arity filled with each key, and a few more shapes.</summary>
    static IEnumerable<string[]> Calls(string name, int arity, string? sub)
    {
        string[] head = sub is null ? [name] : [name, sub];
        var needed = Math.Max(Math.Abs(arity) - head.Length, 0);
        string[] fillers = ["k:string", "k:list", "k:set", "k:zset", "k:hash", "k:stream", "k:ttl", "0", "1"];
        foreach (var filler in fillers)
        {
            yield return [.. head, .. Enumerable.Repeat(filler, needed)];
            if (arity < 0) yield return [.. head, .. Enumerable.Repeat(filler, needed + 2)];
        }
    }

    [Fact]
    public async Task The_read_only_token_is_refused_every_write_admin_and_publish_and_changes_nothing_through_any_command()
    {
        foreach (var command in Seed)
            Assert.Equal(200, (await router.HandleAsync(RestRouterTests.Request("POST", "", command, Full))).Status);
        var sha = JsonDocument.Parse((await Send(Full, "SCRIPT", "LOAD", "return redis.call('set','k:string','script')")).Body).RootElement.GetProperty("result").GetString()!;
        seeded = [.. store.Scripts!.Scripts.Keys];
        var before = await Fingerprint();

        var refused = 0;
        var ran = 0;
        foreach (var spec in CommandTable.All)
        {
            var mustRefuse = spec.Flags.HasFlag(CommandFlags.Write) || spec.Flags.HasFlag(CommandFlags.Admin) || spec.Flags.HasFlag(CommandFlags.Publishes);
            var calls = spec.Subcommands is { Count: > 0 } subs
                ? subs.SelectMany(s => Calls(spec.Name, s.Arity, s.Name))
                : Calls(spec.Name, spec.Arity, null);
            foreach (var call in calls)
            {
                var (status, body) = await Send(Read, call);
                if (mustRefuse)
                {
                    Assert.True(status == 403 && body.Contains("NOPERM"), $"{string.Join(' ', call)}: {status} {body}");
                    refused++;
                }
                else ran++;
            }
        }
        // Scripts and functions that write, through every way to call them.
        foreach (var call in new[]
        {
            new[] { "EVAL", "return redis.call('set','k:string','eval')", "0" },
            ["EVAL", "return redis.call('del',KEYS[1])", "1", "k:hash"],
            ["EVALSHA", sha, "0"],
            ["FCALL", "walkwrite", "1", "k:string"],
            ["EVAL_RO", "return redis.call('set','k:string','x')", "0"],
            ["FCALL_RO", "walkwrite", "1", "k:string"],
        })
        {
            var (status, body) = await Send(Read, call);
            Assert.True(status is 400 or 403 && body.Contains("error"), $"{string.Join(' ', call)}: {status} {body}");
        }
        Assert.Contains("\"result\":\"10\"", (await Send(Read, "FCALL", "walkread", "1", "k:string")).Body); // a no-writes function runs

        // Pipelines and transactions take the same rules.
        var pipeline = await router.HandleAsync(RestRouterTests.Request("POST", "pipeline", """[["GET","k:string"],["DEL","k:string"],["FLUSHALL"]]""", Read));
        Assert.Equal(2, Encoding.UTF8.GetString(pipeline.Body).Split("NOPERM").Length - 1);
        Assert.Equal(403, (await router.HandleAsync(RestRouterTests.Request("POST", "multi-exec", """[["GET","k:string"],["INCR","k:string"]]""", Read))).Status);

        Assert.Equal(before, await Fingerprint());
        Assert.True(refused > 100 && ran > 100, $"{refused} refused, {ran} ran");
    }
}
