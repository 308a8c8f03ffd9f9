using System.Text.Json;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.RdbFiles;
using Serverless.Store.Api;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;
using Serverless.Store.Standalone;
using Serverless.Store.Tests.Durable;

namespace Serverless.Store.Tests.Persistence;

/// <summary>
/// The snapshot service on the Durable Task engine over Azurite (its own Azurite and engine: a
/// restore replaces the whole keyspace): SAVE, BGSAVE + LASTSAVE + INFO, the scheduled save and
/// retention, restore of our snapshots (streams with groups included) and of a redis-server dump, and corrupt files that change nothing.
/// </summary>
[Trait("Needs", "azurite")]
[Trait("Needs", "redis-server")]
[Collection(DurableCollection.Name)]
public sealed class SnapshotServiceTests(OwnDurableStore fixture) : IClassFixture<OwnDurableStore>, IDisposable
{
    readonly DurableStore store = fixture.Store;
    SnapshotService Snapshots => fixture.Engine.Snapshots;
    readonly string dir = Directory.CreateTempSubdirectory("snapshot-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    async Task<Reply> Run(params string[] words) => await store.ExecuteAsync(words.Select(U).ToArray());

    async Task<KeyState?> Stored(byte[] key) =>
        (await fixture.Engine.Client.Entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(key)))?.State?.State;

    async Task<long> DbSize() => ((IntegerReply)await Run("DBSIZE")).Value;

    static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return await condition();
    }

    /// <summary>A fresh keyspace with every type, an expiring key, and a key that expires before the save.</summary>
    async Task<long> SeedAsync()
    {
        Assert.Equal(Reply.Ok, await Run("FLUSHALL"));
        Assert.Equal(Reply.Ok, await Run("SET", "s:int", "12345"));
        Assert.Equal(Reply.Ok, await Run("SET", "s:text", "hello world", "PX", "3600000"));
        await Run("RPUSH", "l", "a", "b", "3");
        await Run("SADD", "set:ints", "1", "2", "300000");
        await Run("SADD", "set:words", "x", "y");
        await Run("HSET", "h", "f1", "v1", "f2", "2");
        await Run("ZADD", "z", "1.5", "m1", "-inf", "m2", "7", "m3");
        await Run("SET", "gone", "x", "PX", "1");
        await Task.Delay(20);
        return 7;
    }

    async Task<byte[]> DownloadAsync(string name) => (await Snapshots.Container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();

    [Fact]
    public async Task Save_writes_an_rdb_blob_of_the_live_keys_with_metadata_and_the_latest_marker()
    {
        var keys = await SeedAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        var latest = await Snapshots.LatestAsync(default);
        Assert.NotNull(latest);
        Assert.Equal(keys, latest.Keys);
        Assert.Equal(Rdb.WriteVersion, latest.RdbVersion);
        Assert.InRange(((IntegerReply)await Run("LASTSAVE")).Value, before, before + 60);

        var file = await DownloadAsync(latest.Name);
        Assert.Equal(latest.Bytes, file.Length);
        Assert.Equal(latest.Crc64, BitConverter.ToUInt64(file, file.Length - 8).ToString("x16"));
        var read = RdbModel.ReadAll(file); // checks the CRC the service combined from header and body
        Assert.Equal(keys, read.Count);
        Assert.DoesNotContain(read, e => Encoding.UTF8.GetString(e.Key) == "gone");
        foreach (var entry in read)
        {
            var state = await Stored(entry.Key);
            Assert.NotNull(state);
            Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(entry.State));
            Assert.Equal(state.ExpiresAt, entry.State.ExpiresAt);
        }
        // And real Redis accepts it.
        var path = Path.Combine(dir, "saved.rdb");
        await File.WriteAllBytesAsync(path, file);
        using var redis = new RedisWithFile(dir, "saved.rdb");
        Assert.Equal(keys, ((IntegerReply)redis.Client.Call("DBSIZE")).Value);
        Assert.Equal("hello world", Encoding.UTF8.GetString(((BulkReply)redis.Client.Call("GET", "s:text")).Value!));
    }

    [Fact]
    public async Task Snapshots_are_listed_newest_first_and_downloaded_by_name_or_latest_with_the_full_access_token_only()
    {
        await SeedAsync();
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        var saved = await Snapshots.ListAsync(default);
        var latest = (await Snapshots.LatestAsync(default))!;
        var router = Router(new AccessPolicy("full", "read"));

        var list = await router.HandleAsync(Get("snapshots", "full"));
        Assert.Equal(200, list.Status);
        var rows = JsonDocument.Parse(list.Body).RootElement.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(saved.Select(s => s.Name).Reverse(), rows.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(latest.Name, rows.Single(r => r.GetProperty("latest").GetBoolean()).GetProperty("name").GetString());
        Assert.Equal(latest.Keys, rows[0].GetProperty("keys").GetInt64());
        Assert.Equal(latest.Crc64, rows[0].GetProperty("crc64").GetString());

        foreach (var name in new[] { "latest", latest.Name, saved[0].Name })
        {
            var file = await router.HandleAsync(Get("snapshots/" + name, "full"));
            Assert.Equal(200, file.Status);
            Assert.Equal("application/octet-stream", file.Headers["Content-Type"]);
            Assert.Equal(await DownloadAsync(name == "latest" ? latest.Name : name), file.Body);
            Assert.StartsWith("REDIS00", Encoding.ASCII.GetString(file.Body, 0, 7));
        }
        Assert.Equal(403, (await router.HandleAsync(Get("snapshots", "read"))).Status);
        Assert.Equal(403, (await router.HandleAsync(Get("snapshots/latest", "read"))).Status);
        Assert.Equal(401, (await router.HandleAsync(Get("snapshots", "wrong"))).Status);
        // Only snapshot files: not the marker blob itself, nothing outside the container.
        Assert.Equal(404, (await router.HandleAsync(Get("snapshots/nosuch.rdb", "full"))).Status);
        Assert.Equal(404, (await router.HandleAsync(Get("snapshots/..%2Flatest", "full"))).Status);
        Assert.Equal(405, (await router.HandleAsync(Post("snapshots", [], "full"))).Status);
        // RESTORE the command still reaches the store path-style (only "restore" alone is the route).
        var command = await router.HandleAsync(Post("restore/k/0", "junk"u8.ToArray(), "full"));
        Assert.Equal("{\"error\":\"ERR DUMP payload version or checksum are wrong\"}", Encoding.UTF8.GetString(command.Body));
    }

    static RestRequest Get(string path, string token) =>
        new("GET", path, new Dictionary<string, string>(), h => h == "Authorization" ? "Bearer " + token : null, []);

    [Fact]
    public async Task Bgsave_starts_in_the_background_then_lastsave_and_info_report_it()
    {
        await SeedAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(Reply.Simple("Background saving started"), await Run("BGSAVE"));
        await Snapshots.BackgroundSave;
        Assert.InRange(((IntegerReply)await Run("LASTSAVE")).Value, before, before + 60);
        var info = Encoding.UTF8.GetString(((BulkReply)await Run("INFO", "persistence")).Value!);
        Assert.StartsWith("# Persistence\r\n", info);
        Assert.Contains("rdb_bgsave_in_progress:0\r\n", info);
        Assert.Contains("rdb_last_bgsave_status:ok\r\n", info);
        Assert.Contains($"rdb_last_save_time:{((IntegerReply)await Run("LASTSAVE")).Value}\r\n", info);
        Assert.Equal(Reply.Error(Protocol.Errors.Syntax), await Run("BGSAVE", "NOW"));
        Assert.Equal(Reply.Simple("Background saving started"), await Run("BGSAVE", "schedule"));
        await Snapshots.BackgroundSave;
        // In a transaction Redis refuses SAVE; so do we (the snapshot service is not reachable there).
        var tx = await store.TransactionAsync([[U("SAVE")]]);
        Assert.Equal("ERR Command not allowed inside a transaction", ((ErrorReply)((ArrayReply)tx).Items![0]).Message);
    }

    [Fact]
    public async Task The_scheduled_save_runs_on_its_setting_and_retention_keeps_the_newest()
    {
        await SeedAsync();
        // Retention on a container of its own, so the other tests' snapshots do not count.
        var container = new BlobContainerClient(fixture.ConnectionString, "retention-test");
        var service = new SnapshotService(fixture.Engine.Store, container, new SnapshotOptions { Retention = 2 });
        var names = new List<string>();
        for (var i = 0; i < 4; i++) names.Add((await service.RunScheduledAsync(default)).Name);
        var kept = (await service.ListAsync(default)).Select(s => s.Name).ToList();
        Assert.Equal(names.Skip(2), kept);
        Assert.Equal(names[^1], (await service.LatestAsync(default))!.Name);

        // The standalone host's timer: SnapshotSeconds=1 saves by itself.
        var last = (await Snapshots.LatestAsync(default))?.Name ?? "";
        var settings = new ConfigurationBuilder().AddInMemoryCollection([new(SnapshotScheduleService.Setting, "1")]).Build();
        var timer = new SnapshotScheduleService(fixture.Engine, settings, NullLogger<SnapshotScheduleService>.Instance);
        await timer.StartAsync(default);
        try
        {
            Assert.True(await Eventually(async () => string.CompareOrdinal((await Snapshots.LatestAsync(default))?.Name ?? "", last) > 0, TimeSpan.FromSeconds(30)),
                "the timer wrote no snapshot");
        }
        finally
        {
            await timer.StopAsync(default);
        }
    }

    [Fact]
    public async Task Restore_of_the_latest_snapshot_replaces_the_keyspace_and_keeps_ttls_working()
    {
        await SeedAsync();
        var expiresAt = (await Stored(U("s:text")))!.ExpiresAt;
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        // Changes after the snapshot: all undone by a replace.
        await Run("SET", "s:int", "changed");
        await Run("DEL", "h");
        await Run("SET", "new", "key");

        var result = await Snapshots.RestoreSnapshotAsync("latest", RestoreMode.Replace, default);
        Assert.Equal(7, result.Keys);
        Assert.Equal(7, result.Removed); // s:int, s:text, l, set:ints, set:words, z, new
        Assert.Equal(7, await DbSize());
        Assert.Equal("12345", Encoding.UTF8.GetString(((BulkReply)await Run("GET", "s:int")).Value!));
        Assert.Equal(Reply.Integer(2), await Run("HLEN", "h"));
        Assert.Equal(Reply.Zero, await Run("EXISTS", "new"));
        Assert.Equal(expiresAt, (await Stored(U("s:text")))!.ExpiresAt);
        // A key the store never had, restored with a TTL: put schedules its expiry, which removes it from storage.
        var file = RdbModel.Write([new(U("short"), new KeyState { String = U("lived"), ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 4000 })],
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var merged = await Snapshots.RestoreAsync(_ => Task.FromResult<Stream>(new MemoryStream(file)), "test", RestoreMode.Merge, default);
        Assert.Equal((1, 0), (merged.Keys, merged.Removed));
        Assert.Equal(8, await DbSize());
        Assert.True(await Eventually(async () => await Stored(U("short")) is null, TimeSpan.FromSeconds(30)), "the restored key did not expire from storage");
    }

    [Fact]
    public async Task A_redis_server_dump_uploaded_over_rest_merges_into_the_store_key_for_key()
    {
        Assert.Equal(Reply.Ok, await Run("FLUSHALL"));
        await Run("SET", "mine", "stays");
        using (var redis = new RedisWithFile(dir, "import.rdb"))
        {
            redis.Client.Call("SET", "r:str", "from redis");
            redis.Client.Call("SET", "r:n", "42");
            redis.Client.Call("RPUSH", "r:list", "a", "b", "c");
            redis.Client.Call("SADD", "r:ints", "1", "2", "3");
            redis.Client.Call("HSET", "r:hash", "f", "v", "g", "w");
            redis.Client.Call("ZADD", "r:zset", "1", "a", "2.5", "b");
            redis.Client.Call("SET", "r:lzf", string.Concat(Enumerable.Repeat("abc", 500)));
            redis.Client.Call("PEXPIREAT", "r:hash", (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000).ToString());
            Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));
            var body = await File.ReadAllBytesAsync(redis.Path);

            var router = Router(new AccessPolicy("full", "read"));
            var refused = await router.HandleAsync(Post("restore?mode=merge", body, "read"));
            Assert.Equal(403, refused.Status);
            var response = await router.HandleAsync(Post("restore?mode=merge", body, "full"));
            Assert.True(response.Status == 200, Encoding.UTF8.GetString(response.Body));
            Assert.Contains("\"keys\":7", Encoding.UTF8.GetString(response.Body));
            Assert.Contains("\"mode\":\"merge\"", Encoding.UTF8.GetString(response.Body));

            foreach (var key in new[] { "r:str", "r:n", "r:list", "r:ints", "r:hash", "r:zset", "r:lzf" })
            {
                var state = await Stored(U(key));
                Assert.NotNull(state);
                Assert.Equal(RdbModel.Describe(redis.Client, U(key)), RdbModel.Describe(state));
                Assert.Equal(RdbModel.ExpiresAt(redis.Client, U(key)), state.ExpiresAt);
            }
        }
        Assert.Equal("stays", Encoding.UTF8.GetString(((BulkReply)await Run("GET", "mine")).Value!));
    }

    [Fact]
    public async Task Function_libraries_travel_in_snapshots_both_ways_with_redis_server()
    {
        Assert.Equal(Reply.Ok, await Run("FLUSHALL"));
        await store.ExecuteAsync([U("FUNCTION"), U("FLUSH")]);
        const string ours = "#!lua name=ours\nredis.register_function('ours_get', function(keys) return redis.call('GET', keys[1]) end)";
        Assert.Equal(Reply.Bulk("ours"), await Run("FUNCTION", "LOAD", ours));
        await Run("SET", "fk", "from the store");
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        var saved = await DownloadAsync((await Snapshots.LatestAsync(default))!.Name);

        // redis-server loads our file: its function runs there.
        await File.WriteAllBytesAsync(Path.Combine(dir, "ours.rdb"), saved);
        using (var redis = new RedisWithFile(dir, "ours.rdb"))
            Assert.Equal(Reply.Bulk("from the store"), redis.Client.Call("FCALL", "ours_get", "1", "fk"));

        // A redis-server dump with a library of its own, restored in replace mode: its library replaces ours.
        using (var redis = new RedisWithFile(dir, "theirs.rdb"))
        {
            const string theirs = "#!lua name=theirs\nredis.register_function('theirs_incr', function(keys) return redis.call('INCR', keys[1]) end)";
            Assert.Equal(Reply.Bulk("theirs"), redis.Client.Call("FUNCTION", "LOAD", theirs));
            redis.Client.Call("SET", "n", "41");
            Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));
            var body = await File.ReadAllBytesAsync(redis.Path);
            var result = await Snapshots.RestoreAsync(_ => Task.FromResult<Stream>(new MemoryStream(body)), "redis", RestoreMode.Replace, default);
            Assert.Equal((1, 1), (result.Keys, result.FunctionLibraries));
        }
        Assert.Equal(Reply.Integer(42), await Run("FCALL", "theirs_incr", "1", "n"));
        Assert.Equal(Reply.Error("ERR Function not found"), await Run("FCALL", "ours_get", "1", "fk"));
    }

    /// <summary>The router with the restore route, as the hosts register it.</summary>
    RestRouter Router(AccessPolicy access) => new(store, access, endpoints: SnapshotEndpoints.Routes(Snapshots));

    static RestRequest Post(string pathAndQuery, byte[] body, string token)
    {
        var parts = pathAndQuery.Split('?', 2);
        var query = parts.Length > 1
            ? parts[1].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : new Dictionary<string, string>();
        return new RestRequest("POST", parts[0], query, h => h == "Authorization" ? "Bearer " + token : null, body);
    }

    [Fact]
    public async Task A_stream_with_groups_is_saved_and_restored_with_its_pel_and_consumers()
    {
        Assert.Equal(Reply.Ok, await Run("FLUSHALL"));
        for (var i = 1; i <= 150; i++) await Run("XADD", "events", $"{i}-0", "n", i.ToString(), "kind", i % 2 == 0 ? "even" : "odd");
        await Run("XDEL", "events", "3-0", "120-0");
        await Run("XGROUP", "CREATE", "events", "workers", "0");
        await Run("XREADGROUP", "GROUP", "workers", "w1", "COUNT", "5", "STREAMS", "events", ">");
        await Run("XACK", "events", "workers", "2-0");
        await Run("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM");
        var full = await Run("XINFO", "STREAM", "events", "FULL");
        var groups = await Run("XINFO", "GROUPS", "events");
        var before = RdbModel.Describe((await Stored(U("events")))!);
        Assert.Contains(" node 101-0 ", before); // two nodes (100 entries a node)

        Assert.Equal(Reply.Ok, await Run("SAVE"));
        await Run("DEL", "events");
        await Run("XADD", "empty", "1-1", "x", "y");

        var result = await Snapshots.RestoreSnapshotAsync("latest", RestoreMode.Replace, default);
        Assert.Equal(2, result.Keys);
        Assert.Equal(before, RdbModel.Describe((await Stored(U("events")))!));
        Assert.Equal(full, await Run("XINFO", "STREAM", "events", "FULL"));
        Assert.Equal(groups, await Run("XINFO", "GROUPS", "events"));
        Assert.Equal(Reply.Zero, await Run("XLEN", "empty"));
        Assert.Single(((ArrayReply)await Run("XINFO", "GROUPS", "empty")).Items!); // the stream with a group and no entries
    }

    [Fact]
    public async Task A_corrupt_snapshot_is_refused_before_any_key_changes()
    {
        await SeedAsync();
        Assert.Equal(Reply.Ok, await Run("SAVE"));
        var good = await DownloadAsync((await Snapshots.LatestAsync(default))!.Name);
        var before = await DbSize();

        var badChecksum = (byte[])good.Clone();
        badChecksum[^3] ^= 0x40;
        var truncated = good[..(good.Length / 2)];
        // A key of type 42 in place of the first key's type byte (after SELECTDB 0, RESIZEDB 7 1).
        var unknownType = (byte[])good.Clone();
        var firstKey = good.AsSpan().IndexOf(new byte[] { Rdb.OpSelectDb, 0, Rdb.OpResizeDb, 7, 1 }) + 5;
        Assert.Equal(Rdb.TypeHash, good[firstKey]); // "h" comes first (entity ids in order), without a TTL
        unknownType[firstKey] = 42;
        // A length that runs past the end: the first key's name claims 0x3FFF bytes.
        var badLength = (byte[])good.Clone();
        badLength[firstKey + 1] = 0x7F;
        badLength[firstKey + 2] = 0xFF;

        var router = Router(new AccessPolicy("full", null));
        foreach (var (name, bytes, reason) in new[]
                 {
                     ("bad-checksum.rdb", badChecksum, "checksum"), ("truncated.rdb", truncated, "truncated"),
                     ("unknown-type.rdb", unknownType, "unknown RDB type 42"), ("bad-length.rdb", badLength, "truncated"),
                 })
        {
            await Snapshots.Container.UploadBlobAsync(name, BinaryData.FromBytes(bytes));
            var e = await Assert.ThrowsAsync<RdbFormatException>(() => Snapshots.RestoreSnapshotAsync(name, RestoreMode.Replace, default));
            Assert.Contains(reason, e.Message);
            var response = await router.HandleAsync(Post("restore?snapshot=" + name, [], "full"));
            Assert.Equal(400, response.Status);
            Assert.Contains("nothing was changed", Encoding.UTF8.GetString(response.Body));
            // Also as an uploaded body.
            Assert.Equal(400, (await router.HandleAsync(Post("restore", bytes, "full"))).Status);
            Assert.Equal(before, await DbSize());
            Assert.Equal("12345", Encoding.UTF8.GetString(((BulkReply)await Run("GET", "s:int")).Value!));
        }
        Assert.Equal(404, (await router.HandleAsync(Post("restore?snapshot=nosuch.rdb", [], "full"))).Status);
        Assert.Equal(400, (await router.HandleAsync(Post("restore?mode=sideways&snapshot=latest", [], "full"))).Status);
        Assert.Equal(400, (await router.HandleAsync(Post("restore", [], "full"))).Status);
        var get = await router.HandleAsync(new RestRequest("GET", "restore", new Dictionary<string, string>(), h => h == "Authorization" ? "Bearer full" : null, []));
        Assert.Equal(405, get.Status);
    }
}
