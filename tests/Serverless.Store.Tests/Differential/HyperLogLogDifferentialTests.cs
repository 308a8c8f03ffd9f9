using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// PFADD, PFCOUNT and PFMERGE against redis-server 7.0, comparing the HLL's bytes (GET) after
/// every change as well as the replies: the sparse encoding's opcodes and merges, the switch to
/// dense (by size and by a register over 32), the cached cardinality, the estimates, and
/// Redis's errors for strings that are not (or no longer) valid HLLs.
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class HyperLogLogDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Command_getkeys_of_the_hll_commands() => diff.Run(
        "COMMAND GETKEYS PFADD k a b", "COMMAND GETKEYS PFCOUNT a b c", "COMMAND GETKEYS PFMERGE d a b");


    /// <summary>
    /// 8-byte elements made by inverting MurmurHash64A: their hashes leave runs of 33 zeros at
    /// registers 5 and 16383 (the last, whose bits end the dense array), 51 at register 7 and
    /// 36 at register 100 — values the sparse encoding cannot hold.
    /// </summary>
    const string Run33At5 = "\\x49\\x9b\\xde\\x5f\\x61\\xa0\\x9c\\x55";
    const string Run33AtLast = "\\x34\\x81\\x74\\xb2\\x3c\\xd8\\x11\\x4b";
    const string Run51At7 = "\\x3c\\xcd\\x32\\xac\\x70\\xa8\\xd6\\x12";
    const string Run36At100 = "\\x34\\xa1\\xc5\\x9b\\x5a\\x3e\\x76\\x55";

    static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    static string Elements(string prefix, int from, int count) =>
        string.Join(' ', Enumerable.Range(from, count).Select(i => prefix + i));

    [Fact]
    public void Pfadd_and_pfcount_keep_the_bytes_and_cache_of_redis() => diff.Run(
        "PFCOUNT k", "PFADD k", "GET k", "PFADD k", "PFCOUNT k", "GET k",
        "PFADD k a b c", "GET k", "PFADD k a", "PFADD k b c", "GET k", "PFCOUNT k", "GET k", "PFCOUNT k",
        "PFADD k d", "GET k", "PFCOUNT k", "GET k", "PFADD k \"\"", "PFADD k \"\"", "GET k",
        $"PFADD k {Elements("x", 0, 40)}", "GET k", "PFCOUNT k", "GET k",
        "PFADD n a", "PFCOUNT k n nosuch", "PFCOUNT nosuch nosuch2", "GET n",
        "PFADD t a", "PTTL t", "EXPIRE t 100", "PFADD t zz", "PTTL t", "PFCOUNT t", "PTTL t");

    [Fact]
    public void Sparse_grows_then_turns_dense_at_3000_bytes()
    {
        var commands = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            commands.Add($"PFADD s {Elements("m", i * 100, 100)}");
            commands.Add("STRLEN s");
            commands.Add("GET s");
            commands.Add("PFCOUNT s");
        }
        commands.Add($"PFADD s {Elements("m", 0, 4000)}");
        commands.Add("GET s");
        diff.Run(commands.ToArray());
    }

    [Fact]
    public void Each_key_turns_dense_at_the_same_element_as_in_redis()
    {
        // One element at a time around the threshold, so the exact length that crosses 3000 bytes
        // (grown by a split of 1 to 3 bytes, or not, after merges) is compared.
        diff.Reset();
        foreach (var prefix in new[] { "a", "bb", "ccc", "dddd", "eeeee" })
        {
            var key = B("t" + prefix);
            for (var i = 0; ; i++)
            {
                diff.Step([B("PFADD"), key, B(prefix + i)]);
                var (_, length) = diff.Step([B("STRLEN"), key]);
                if (length is Protocol.IntegerReply { Value: 12304 }) break;
                Assert.True(i < 10_000, "never turned dense");
            }
            diff.Step([B("GET"), key]);
        }
    }

    /// <summary>
    /// A sparse value with VAL runs left unmerged (Redis never writes them, but accepts them):
    /// setting register 102 to 2 splits VAL(1,4), and the merge pass that follows (five opcodes
    /// from the one before the split) joins exactly the runs Redis joins.
    /// </summary>
    [Fact]
    public void Merging_after_a_split_scans_five_opcodes_as_redis_does() => diff.Run(
        "SET u HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x40\\x63\\x80\\x83\\x80\\x80\\x7f\\x94",
        "PFCOUNT u", "PFADD u \\xd8\\xea\\x63\\xa0\\xf5\\x99\\x64\\xa1", "GET u", "PFCOUNT u", "GET u");

    [Fact]
    public void A_register_over_32_turns_a_sparse_hll_dense() => diff.Run(
        "PFADD a x y z", "GET a", $"PFADD a {Run33At5}", "STRLEN a", "GET a", "PFCOUNT a", "GET a",
        $"PFADD a {Run51At7} {Run36At100} {Run33AtLast}", "GET a", "PFCOUNT a",
        $"PFADD b {Run33AtLast}", "GET b", "PFCOUNT b", $"PFADD b {Run33AtLast}", "GET b",
        $"PFADD c q {Run36At100} r", "GET c", "PFCOUNT c", "PFCOUNT a b c");

    [Fact]
    public void Large_cardinalities_estimate_like_redis()
    {
        var commands = new List<string>();
        foreach (var (key, total) in new[] { ("h1", 20_000), ("h2", 60_000) })
        {
            for (var from = 0; from < total; from += 2_000)
            {
                commands.Add($"PFADD {key} {Elements(key + ":", from, 2_000)}");
                commands.Add($"PFCOUNT {key}");
            }
            commands.Add($"GET {key}");
        }
        commands.Add("PFCOUNT h1 h2");
        commands.Add($"PFADD h3 {Elements("h1:", 10_000, 2_000)}");
        commands.Add("PFCOUNT h1 h2 h3");
        commands.Add("PFMERGE all h1 h2 h3");
        commands.Add("GET all");
        commands.Add("PFCOUNT all");
        diff.Run(commands.ToArray());
    }

    [Fact]
    public void Pfmerge_sparse_and_dense_inputs() => diff.Run(
        "PFMERGE empty", "GET empty", "PFCOUNT empty", "PFMERGE empty", "GET empty",
        "PFADD a 1 2 3 4", "PFADD b 3 4 5 6 7", "PFMERGE d a b", "GET d", "PFCOUNT d", "GET d",
        "PFMERGE d", "GET d", "PFMERGE a a", "GET a", "PFMERGE a nosuch", "GET a",
        $"PFADD big {Elements("v", 0, 3000)}", "STRLEN big",
        "PFMERGE d big", "STRLEN d", "GET d", "PFMERGE e a b", "PFMERGE e big", "GET e", "PFCOUNT e",
        "PFMERGE f a nosuch b", "GET f", $"PFADD g {Run51At7}", "PFMERGE h a g", "GET h",
        $"PFADD many {Elements("w", 0, 1200)}", "PFMERGE m2 many a", "STRLEN m2", "GET m2",
        "SET t x", "DEL t", "PFADD t a", "EXPIRE t 100", "PFMERGE t b", "PTTL t", "GET t",
        "SET s hello", "PFMERGE s a", "PFMERGE d s", "GET d", "HSET w f v", "PFMERGE w a", "PFMERGE d w", "GET d");

    [Fact]
    public void Strings_that_are_not_hlls_are_refused_like_redis()
    {
        var empty = "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00";
        diff.Run(
            "SET s hello", "PFADD s a", "PFCOUNT s", "PFCOUNT s nosuch", "PFMERGE d s", "GET s",
            "SET i 12345", "PFADD i a", "SET e \"\"", "PFADD e a", "PFCOUNT e",
            "SET m HYLX\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff", "PFADD m a", "PFCOUNT m",
            "SET enc HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff", "PFADD enc a", "PFCOUNT enc",
            "SET short HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00", "PFADD short a",
            "SET densebad HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00", "PFADD densebad a", "PFCOUNT densebad",
            // A header with no opcodes: valid for the header check, corrupt once read.
            $"SET noops {empty}", "PFADD noops a", "PFCOUNT noops", "PFCOUNT noops s", "PFMERGE d noops", "GET noops",
            // Opcodes covering too few or too many registers.
            $"SET few {empty}\\x7f\\xfe", "PFADD few a", "PFCOUNT few", "PFCOUNT few nosuch", "PFMERGE d few", "GET few",
            $"SET many {empty}\\x7f\\xff\\x00", "PFCOUNT many", "PFMERGE d many", $"SET many2 {empty}\\x7f\\xfe\\x8b", "PFCOUNT many2",
            // A stale-looking but valid cache is answered without reading the registers.
            "SET cached HYLL\\x01\\x00\\x00\\x00\\x2a\\x00\\x00\\x00\\x00\\x00\\x00\\x00", "PFCOUNT cached", "PFADD cached a",
            "HSET h f v", "PFADD h a", "PFCOUNT h", "PFCOUNT a h", "PFMERGE h a", "PFMERGE d h",
            "PFADD", "PFCOUNT", "PFMERGE");
    }

    [Fact]
    public void Random_hll_sequences_match_redis_byte_for_byte()
    {
        var random = new Random(1802);
        string[] keys = ["p1", "p2", "p3"];
        byte[] Key() => B(keys[random.Next(keys.Length)]);
        byte[] Element() => random.Next(50) == 0
            ? Oracle.Differential.Parse(new[] { Run33At5, Run33AtLast, Run51At7, Run36At100 }[random.Next(4)])[0]
            : B("e" + random.Next(random.Next(2) == 0 ? 100 : 20_000));
        byte[][] Next() => random.Next(10) switch
        {
            < 5 => [B("PFADD"), Key(), .. Enumerable.Range(0, random.Next(0, random.Next(2) == 0 ? 4 : 300)).Select(_ => Element())],
            5 or 6 => [B("PFCOUNT"), Key()],
            7 => [B("PFCOUNT"), Key(), Key(), .. random.Next(2) == 0 ? [] : new[] { Key() }],
            8 => [B("PFMERGE"), Key(), .. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Key())],
            _ => [B("DEL"), Key()],
        };
        for (var round = 0; round < 6; round++)
        {
            var context = $"random round {round}";
            diff.Reset();
            for (var i = 0; i < 200; i++)
            {
                var cmd = Next();
                diff.Step(cmd, context);
                diff.Step([B("GET"), cmd.Length > 1 ? cmd[1] : Key()], context);
            }
        }
    }
}
