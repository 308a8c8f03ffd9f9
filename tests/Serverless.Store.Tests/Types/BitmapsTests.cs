using System.Text;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// BITOP's Redis 8.2 operations, which no redis-server here can check: the rules and examples
/// of the Redis documentation (DIFF: in X and in none of Y1..; DIFF1: in one or more of Y1..
/// and not in X; ANDOR: in X and in one or more of Y1..; ONE: in exactly one source), its error
/// for fewer than two sources, and a property test against those rules bit by bit. Also the
/// bitmap commands' TTL and "errors change nothing" on the engine alone.
/// </summary>
public sealed class BitmapsTests
{
    readonly MemoryKeyspace keyspace = new();
    const long Now = 1_700_000_000_000;

    Reply Run(params string[] args) => Run(args.Select(Encoding.UTF8.GetBytes).ToArray());

    Reply Run(params byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now), args);

    byte[]? Value(string key) => keyspace.Get(Encoding.UTF8.GetBytes(key))?.String;

    void Set(string key, params byte[] value) => Run([.. new[] { "SET", key }.Select(Encoding.UTF8.GetBytes), value]);

    [Fact]
    public void The_documentation_examples()
    {
        // BITOP AND with BITFIELD: 255 AND 85 is 85.
        Assert.Equal(Reply.Array([Reply.Zero]), Run("BITFIELD", "key1", "SET", "i8", "#0", "255"));
        Assert.Equal(Reply.Array([Reply.Zero]), Run("BITFIELD", "key2", "SET", "i8", "#0", "85"));
        Assert.Equal(Reply.One, Run("BITOP", "AND", "dest", "key1", "key2"));
        Assert.Equal(Reply.Array([Reply.Integer(85)]), Run("BITFIELD", "dest", "GET", "i8", "#0"));

        // The book-ad audience: people who love to read books (LRB) and like fantasy, adventure or
        // science fiction. Person n is bit n.
        foreach (var (key, people) in new[] { ("LRB", new[] { 0, 1, 2, 3, 5 }), ("B:F", new[] { 1, 4 }), ("B:A", new[] { 2, 6 }), ("B:SF", new[] { 2, 3, 7 }) })
            foreach (var p in people) Run("SETBIT", key, p.ToString(), "1");
        Assert.Equal(Reply.One, Run("BITOP", "ANDOR", "TA", "LRB", "B:F", "B:A", "B:SF"));
        Assert.Equal([0b0111_0000], Value("TA")); // persons 1, 2, 3
    }

    [Fact]
    public void Each_new_operation_on_two_and_three_sources()
    {
        Set("x", 0b1100_1010);
        Set("y1", 0b1010_0110);
        Set("y2", 0b0001_0011);
        Run("BITOP", "DIFF", "d", "x", "y1", "y2");
        Assert.Equal([0b0100_1000], Value("d"));
        Run("BITOP", "DIFF1", "d", "x", "y1", "y2");
        Assert.Equal([0b0011_0101], Value("d"));
        Run("BITOP", "ANDOR", "d", "x", "y1", "y2");
        Assert.Equal([0b1000_0010], Value("d"));
        Run("BITOP", "ONE", "d", "x", "y1", "y2");
        Assert.Equal([0b0111_1101], Value("d"));
        // With two sources ONE is XOR.
        Run("BITOP", "ONE", "d", "x", "y1");
        Run("BITOP", "XOR", "e", "x", "y1");
        Assert.Equal(Value("e"), Value("d"));
        // ONE with a single source copies it, as OR would.
        Assert.Equal(Reply.One, Run("BITOP", "one", "d", "x"));
        Assert.Equal([0b1100_1010], Value("d"));
    }

    [Fact]
    public void Shorter_sources_and_missing_keys_read_as_zeros()
    {
        Set("x", 0xF0);
        Set("y", 0x0F, 0xFF, 0x01);
        Assert.Equal(Reply.Integer(3), Run("BITOP", "DIFF1", "d", "x", "y"));
        Assert.Equal([0x0F, 0xFF, 0x01], Value("d")); // beyond X, everything in Y is "not in X"
        Assert.Equal(Reply.Integer(3), Run("BITOP", "DIFF", "d", "y", "x", "missing"));
        Assert.Equal([0x0F, 0xFF, 0x01], Value("d"));
        Assert.Equal(Reply.Integer(3), Run("BITOP", "ANDOR", "d", "y", "missing", "x"));
        Assert.Equal([0x00, 0x00, 0x00], Value("d"));
        // All sources empty or missing: the destination is deleted, as for the other operations.
        Set("e");
        Assert.Equal(Reply.Zero, Run("BITOP", "DIFF", "d", "e", "missing"));
        Assert.Null(Value("d"));
    }

    [Fact]
    public void Diff_diff1_and_andor_need_two_sources_and_change_nothing_when_refused()
    {
        Set("x", 1);
        Set("d", 9);
        foreach (var op in new[] { "DIFF", "diff1", "AndOr" })
            Assert.Equal(Reply.Error($"ERR BITOP {op.ToUpperInvariant()} must be called with at least two source keys."),
                Run("BITOP", op, "d", "x"));
        Assert.Equal(Reply.Error("ERR BITOP NOT must be called with a single source key."), Run("BITOP", "NOT", "d", "x", "x"));
        Assert.Equal(Reply.Error("ERR syntax error"), Run("BITOP", "DIFF2", "d", "x", "x"));
        Run("HSET", "h", "f", "v");
        Assert.Equal(Reply.Error(Errors.WrongType), Run("BITOP", "ONE", "d", "x", "h"));
        Assert.Equal([9], Value("d"));
    }

    static readonly Gen<byte[]> Bitmap = Gen.Byte.Array[0, 40];

    [Fact]
    public void Every_operation_follows_its_rule_bit_by_bit() =>
        Gen.Select(Bitmap.Array[2, 5], Gen.Int[0, 7]).Sample((sources, which) =>
        {
            var keyspace = new MemoryKeyspace();
            var names = sources.Select((_, i) => "s" + i).ToArray();
            for (var i = 0; i < sources.Length; i++)
                Engine.Execute(new CommandContext(keyspace, Now), [Encoding.UTF8.GetBytes("SET"), Encoding.UTF8.GetBytes(names[i]), sources[i]]);
            var op = new[] { "AND", "OR", "XOR", "DIFF", "DIFF1", "ANDOR", "ONE", "ONE" }[which];
            var reply = Engine.Execute(new CommandContext(keyspace, Now), new[] { "BITOP", op, "dest" }.Concat(names).Select(Encoding.UTF8.GetBytes).ToArray());
            var length = sources.Max(s => s.Length);
            Assert.Equal(Reply.Integer(length), reply);
            var result = keyspace.Get("dest"u8.ToArray())?.String ?? [];
            Assert.Equal(length, result.Length);
            for (var bit = 0; bit < length * 8; bit++)
            {
                bool In(byte[] s) => bit / 8 < s.Length && (s[bit / 8] & (0x80 >> (bit % 8))) != 0;
                var x = In(sources[0]);
                var others = sources.Skip(1).Count(In);
                var all = sources.Count(In);
                var expected = op switch
                {
                    "AND" => all == sources.Length,
                    "OR" => all > 0,
                    "XOR" => all % 2 == 1,
                    "DIFF" => x && others == 0,
                    "DIFF1" => !x && others > 0,
                    "ANDOR" => x && others > 0,
                    _ => all == 1,
                };
                Assert.True(expected == In(result), $"{op} bit {bit}");
            }
        }, iter: 3000);

    [Fact]
    public void Bit_writes_keep_the_ttl_and_bitop_replaces_it()
    {
        Run("SET", "k", "a", "PX", "5000");
        Run("SETBIT", "k", "100", "1");
        Run("BITFIELD", "k", "SET", "u8", "0", "1");
        Assert.Equal(Now + 5000, keyspace.Get("k"u8.ToArray())!.ExpiresAt);
        Run("BITOP", "NOT", "k", "k");
        Assert.Null(keyspace.Get("k"u8.ToArray())!.ExpiresAt);
    }

    [Fact]
    public void A_refused_bitfield_changes_nothing()
    {
        Set("k", 1, 2);
        var version = keyspace.Get("k"u8.ToArray())!.Version;
        Assert.IsType<ErrorReply>(Run("BITFIELD", "k", "SET", "u8", "100", "1", "GET", "u65", "0"));
        Assert.IsType<ErrorReply>(Run("BITFIELD_RO", "k", "SET", "u8", "0", "9"));
        Assert.IsType<ErrorReply>(Run("SETBIT", "k", "100", "2"));
        Assert.Equal([1, 2], Value("k"));
        Assert.Equal(version, keyspace.Get("k"u8.ToArray())!.Version);
    }
}
