using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Serverless.Store.RdbFiles;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Types;

namespace Serverless.Store.Tests.Persistence;

/// <summary>The RDB format by itself: CRC-64/Jones, the writer and reader round trip, the encodings real Redis uses, and the checks that refuse a bad file.</summary>
public class RdbFormatTests
{
    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Crc64_jones_matches_redis_test_vector_and_combines()
    {
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64Jones.Compute("123456789"u8));
        Assert.Equal(0UL, Crc64Jones.Compute([]));
        Gen.Byte.Array[0, 300].Select(Gen.Byte.Array[0, 5000]).Sample((a, b) =>
        {
            var whole = Crc64Jones.Compute([.. a, .. b]);
            Assert.Equal(whole, Crc64Jones.Combine(Crc64Jones.Compute(a), Crc64Jones.Compute(b), b.Length));
        });
    }

    [Fact]
    public void A_restore_refuses_a_string_longer_than_a_key_can_hold_in_its_first_pass()
    {
        SnapshotService.Check(new RdbEntry(0, U("small"), KeyState.OfString(U("v"))));
        var big = new RdbEntry(0, U("big"), KeyState.OfString(new byte[Strings.MaxStoredLength + 1]));
        var refused = Assert.Throws<RdbFormatException>(() => SnapshotService.Check(big));
        Assert.Equal("the file's key 'big' holds a string of 125000001 bytes; this store keeps strings up to 125000000 bytes (docs/limits.md)", refused.Message);
    }

    // ------------------------------------------------------------------ generators

    static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>Strings that hit every encoding branch: integers at the 8/16/32-bit edges, near-integers that must stay strings, binary bytes, long text.</summary>
    static readonly Gen<byte[]> GenValue = Gen.OneOf(
        Pick("0", "-1", "127", "128", "-128", "-129", "32767", "32768", "-32768", "2147483647", "2147483648",
            "-2147483648", "-2147483649", "9223372036854775807", "01", "+1", "-0", " 1", "1.5", "", "nan").Select(U),
        Gen.Long.Select(l => U(l.ToString())),
        Gen.Byte.Array[0, 40],
        Gen.Char['a', 'c'].Array[0, 300].Select(c => U(new string(c))));

    static readonly Gen<double> GenScore = Gen.OneOf(
        Pick(0.0, -0.0, 1.5, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue, -1e-300),
        Gen.Double.Where(d => !double.IsNaN(d)),
        Gen.Int[-1000, 1000].Select(i => (double)i));

    static readonly Gen<KeyState> GenState = Gen.Int[0, 4].SelectMany(kind => kind switch
    {
        0 => GenValue.Select(KeyState.OfString),
        1 => GenValue.Array[1, 200].Select(v => new KeyState { List = new ListValue(v) }),
        2 => GenValue.Array[1, 600].Select(v =>
        {
            var set = new SetValue();
            foreach (var m in v) set.Add(m);
            return new KeyState { Set = set };
        }),
        3 => Gen.Select(GenValue, GenValue).Array[1, 200].Select(v =>
        {
            var hash = new HashValue();
            foreach (var (f, x) in v) hash.Set(f, x);
            return new KeyState { Hash = hash };
        }),
        _ => Gen.Select(GenValue, GenScore).Array[1, 200].Select(v =>
        {
            var zset = new SortedSetValue();
            foreach (var (m, s) in v) zset.Set(m, s);
            return new KeyState { SortedSet = zset };
        }),
    });

    const long Now = 1_750_000_000_000;

    static readonly Gen<Dictionary<byte[], KeyState>> GenKeyspace =
        Gen.Select(Gen.Byte.Array[0, 24], GenState, Gen.Select(Gen.Bool, Gen.Long[Now + 1, Now + 10L * 365 * 86_400_000], (has, at) => has ? at : (long?)null)).Array[0, 30]
            .Select(entries =>
            {
                var keys = new Dictionary<byte[], KeyState>(Bytes.Comparer);
                foreach (var (key, state, expiry) in entries)
                {
                    state.ExpiresAt = expiry;
                    keys[key] = state;
                }
                return keys;
            });

    [Fact]
    public void Every_type_round_trips_through_writer_and_reader_with_expiries()
    {
        GenKeyspace.Sample(keys =>
        {
            var file = RdbModel.Write(keys, Now);
            var read = RdbModel.ReadAll(file);
            Assert.Equal(keys.Count, read.Count);
            foreach (var entry in read)
            {
                Assert.Equal(0, entry.Db);
                var original = keys[entry.Key];
                Assert.Equal(RdbModel.Describe(original), RdbModel.Describe(entry.State));
                Assert.Equal(original.ExpiresAt, entry.State.ExpiresAt);
            }
        }, iter: 300);
    }

    [Fact]
    public void Expired_keys_are_not_written()
    {
        var keys = new Dictionary<byte[], KeyState>(Bytes.Comparer)
        {
            [U("gone")] = new KeyState { String = U("x"), ExpiresAt = Now - 1 },
            [U("due-now")] = new KeyState { String = U("x"), ExpiresAt = Now },
            [U("kept")] = new KeyState { String = U("x"), ExpiresAt = Now + 1 },
        };
        var read = RdbModel.ReadAll(RdbModel.Write(keys, Now));
        Assert.Equal("kept", Encoding.UTF8.GetString(Assert.Single(read).Key));
    }

    [Fact]
    public void Integer_strings_use_redis_integer_encodings_and_others_stay_raw()
    {
        byte[] Encoded(string value)
        {
            var output = new MemoryStream();
            new RdbWriter(output).WriteString(U(value));
            return output.ToArray();
        }
        Assert.Equal([0xC0, 0x7F], Encoded("127"));
        Assert.Equal([0xC1, 0x80, 0x00], Encoded("128"));
        Assert.Equal([0xC2, 0x00, 0x00, 0x00, 0x80], Encoded("-2147483648"));
        Assert.Equal([0x0A, .. U("2147483648")], Encoded("2147483648")); // past 32 bits: Redis keeps it a string
        Assert.Equal([0x02, .. U("01")], Encoded("01"));
        Assert.Equal([0x02, .. U("-0")], Encoded("-0"));
        var long14 = Encoded(new string('a', 100));
        Assert.Equal([0x40, 100], long14[..2]);
        var long32 = Encoded(new string('a', 20000));
        Assert.Equal([0x80, 0x00, 0x00, 0x4E, 0x20], long32[..5]);
    }

    // ------------------------------------------------------------------ compact encodings, hand-built

    /// <summary>A file with one key of a given type and payload (a blob string), checksum 0 (not checked).</summary>
    static byte[] OneKeyFile(byte type, byte[] payload, int version = 10)
    {
        var output = new MemoryStream();
        var writer = new RdbWriter(output);
        writer.WriteHeader(version, []);
        output.WriteByte(type);
        writer.WriteString(U("k"));
        writer.WriteLength((ulong)payload.Length);
        output.Write(payload);
        output.WriteByte(Rdb.OpEof);
        output.Write(new byte[8]);
        return output.ToArray();
    }

    [Fact]
    public void A_ziplist_list_from_redis_docs_is_read()
    {
        // ziplist.c's example: [2, 5] as zlbytes=15, zltail=12, zllen=2, "00 f3", "02 f6", ff.
        byte[] zl = [0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];
        var entry = Assert.Single(RdbModel.ReadAll(OneKeyFile(Rdb.TypeListZiplist, zl)));
        Assert.Equal("list " + string.Join(",", new[] { "2", "5" }.Select(s => Convert.ToBase64String(U(s)))), RdbModel.Describe(entry.State));
    }

    [Fact]
    public void A_hand_built_listpack_hash_and_ziplist_zset_are_read()
    {
        // listpack: "f" (6-bit string), 100 (7-bit uint), "g", -5 (13-bit int).
        var lp = new List<byte> { 0, 0, 0, 0, 4, 0 };
        lp.AddRange([0x81, (byte)'f', 2]);
        lp.AddRange([100, 1]);
        lp.AddRange([0x81, (byte)'g', 2]);
        lp.AddRange([0xDF, 0xFB, 3]); // 13-bit -5 = 0x1FFB
        lp.Add(0xFF);
        var bytes = lp.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);
        var hash = Assert.Single(RdbModel.ReadAll(OneKeyFile(Rdb.TypeHashListpack, bytes))).State.Hash!;
        Assert.Equal("100", Encoding.ASCII.GetString(hash.Get(U("f"))!));
        Assert.Equal("-5", Encoding.ASCII.GetString(hash.Get(U("g"))!));

        // ziplist zset: "m" with score "1.5", "n" with int 7.
        var zl = new List<byte> { 0, 0, 0, 0, 0, 0, 0, 0, 4, 0 };
        zl.AddRange([0, 0x01, (byte)'m']);
        zl.AddRange([3, 0x03, (byte)'1', (byte)'.', (byte)'5']);
        zl.AddRange([5, 0x01, (byte)'n']);
        zl.AddRange([3, 0xF8]); // immediate 7
        zl.Add(0xFF);
        var zbytes = zl.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(zbytes, (uint)zbytes.Length);
        var zset = Assert.Single(RdbModel.ReadAll(OneKeyFile(Rdb.TypeZSetZiplist, zbytes))).State.SortedSet!;
        Assert.True(zset.TryGetScore(U("m"), out var m) && m == 1.5);
        Assert.True(zset.TryGetScore(U("n"), out var n) && n == 7);
    }

    [Fact]
    public void Lzf_decompresses_literals_and_overlapping_back_references()
    {
        // "abcabcabcabc": literal "abc" (ctrl 2), then a back reference of 9 at distance 3 (len 7 + 0 + 2... ).
        byte[] compressed = [0x02, (byte)'a', (byte)'b', (byte)'c', 0xE0, 0x00, 0x02];
        Assert.Equal("abcabcabcabc", Encoding.ASCII.GetString(Lzf.Decompress(compressed, 12)!));
        Assert.Null(Lzf.Decompress(compressed, 13)); // declared length does not match
        Assert.Null(Lzf.Decompress([0xE0, 0x00, 0x05], 9)); // reference before the start
    }

    // ------------------------------------------------------------------ refusals

    static byte[] SampleFile()
    {
        var keys = new Dictionary<byte[], KeyState>(Bytes.Comparer)
        {
            [U("s")] = KeyState.OfString(U("hello")),
            [U("l")] = new KeyState { List = new ListValue([U("a"), U("b")]) },
        };
        return RdbModel.Write(keys, Now);
    }

    static string Refusal(byte[] file) => Assert.Throws<RdbFormatException>(() => RdbModel.ReadAll(file)).Reason;

    [Fact]
    public void A_bad_checksum_a_truncation_an_unknown_type_and_bad_lengths_are_refused()
    {
        var good = SampleFile();
        Assert.Equal(2, RdbModel.ReadAll(good).Count);

        var badSum = (byte[])good.Clone();
        badSum[^1] ^= 1;
        Assert.Contains("Wrong RDB checksum", Refusal(badSum));

        var flipped = (byte[])good.Clone();
        flipped[Array.IndexOf(good, (byte)'h')] = (byte)'j'; // a value byte: only the checksum notices
        Assert.Contains("Wrong RDB checksum", Refusal(flipped));

        for (var cut = 1; cut < good.Length; cut += 3)
            Assert.Contains("truncated", Refusal(good[..^cut]));

        var unknown = OneKeyFile(42, [1, 2, 3]);
        Assert.Contains("unknown RDB type 42", Refusal(unknown));
        Assert.Contains("Stream node key entry is not the size of a stream ID", Refusal(OneKeyFile(Rdb.TypeStreamListpacks, [1])));
        Assert.Contains("module", Refusal(OneKeyFile(Rdb.TypeModule2, [1])));

        // A list claiming a billion elements: refused when the file runs out, not allocated.
        var output = new MemoryStream();
        var writer = new RdbWriter(output);
        writer.WriteHeader(9, []);
        output.WriteByte(Rdb.TypeList);
        writer.WriteString(U("k"));
        writer.WriteLength(1_000_000_000);
        writer.WriteString(U("only one"));
        Assert.Contains("truncated", Refusal(output.ToArray()));

        // A string longer than the file.
        var longString = new MemoryStream();
        var w2 = new RdbWriter(longString);
        w2.WriteHeader(9, []);
        longString.WriteByte(Rdb.TypeString);
        w2.WriteString(U("k"));
        w2.WriteLength(400_000_000);
        Assert.Contains("truncated", Refusal(longString.ToArray()));

        // A listpack whose header length lies.
        byte[] lp = [99, 0, 0, 0, 0, 0, 0xFF];
        Assert.Contains("listpack's length", Refusal(OneKeyFile(Rdb.TypeHashListpack, lp)));
        Assert.Contains("Can't handle RDB format version", Refusal(U("REDIS0011")));
        Assert.Contains("not an RDB file", Refusal(U("HELLO0009")));
    }

    [Fact]
    public void Duplicates_are_refused_as_redis_does()
    {
        var output = new MemoryStream();
        var writer = new RdbWriter(output);
        writer.WriteHeader(9, []);
        output.WriteByte(Rdb.TypeSet);
        writer.WriteString(U("k"));
        writer.WriteLength(2);
        writer.WriteString(U("a"));
        writer.WriteString(U("a"));
        Assert.Contains("duplicate set member", Refusal(output.ToArray()));
    }
}
