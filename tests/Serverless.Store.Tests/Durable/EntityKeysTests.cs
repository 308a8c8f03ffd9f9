using System.Text;
using CsCheck;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Durable;

public class EntityKeysTests
{
    // Bytes biased towards the interesting ones: table-key forbidden characters, the escape
    // character itself, control characters, high bytes.
    static readonly Gen<byte> AnyByte = Gen.Frequency(
        (4, Gen.Byte),
        (2, Gen.Int[0, 11].Select(i => (byte)"/\\#?~%@ :-_."[i])),
        (1, Gen.Byte[0, 31]),
        (1, Gen.Byte[0x7F, 0xA0]));

    static readonly Gen<byte[]> AnyKey = AnyByte.Array[0, 60];

    [Fact]
    public void RoundTripsEveryKey() =>
        AnyKey.Sample(key => Assert.Equal(key, EntityKeys.Unescape(EntityKeys.EscapeBytes(key))), iter: 20_000);

    [Fact]
    public void EscapedFormUsesOnlyTableAndUrlSafeAscii() =>
        AnyKey.Sample(key =>
        {
            var escaped = EntityKeys.EscapeBytes(key);
            Assert.All(escaped, c => Assert.True(char.IsAsciiLetterOrDigit(c) || "-_.:~".Contains(c), $"'{c}' in {escaped}"));
            Assert.Equal(EntityKeys.EscapedLength(key), escaped.Length);
        }, iter: 20_000);

    [Fact]
    public void KeepsPrefixes() =>
        Gen.Select(AnyKey, AnyKey).Sample((a, b) =>
        {
            var whole = a.Concat(b).ToArray();
            Assert.StartsWith(EntityKeys.EscapeBytes(a), EntityKeys.EscapeBytes(whole), StringComparison.Ordinal);
        }, iter: 20_000);

    [Fact]
    public void DistinctKeysStayDistinct() =>
        Gen.Select(AnyKey, AnyKey).Sample((a, b) =>
        {
            if (!a.AsSpan().SequenceEqual(b)) Assert.NotEqual(EntityKeys.EscapeBytes(a), EntityKeys.EscapeBytes(b));
        }, iter: 20_000);

    [Fact]
    public void PrefixQueryOfAGlobFindsExactlyTheKeysStartingWithItsLiteralPart()
    {
        Assert.Equal("user:"u8.ToArray(), EntityKeys.LiteralPrefix("user:*"u8));
        Assert.Equal("a"u8.ToArray(), EntityKeys.LiteralPrefix("a?c"u8));
        Assert.Equal("ab"u8.ToArray(), EntityKeys.LiteralPrefix("ab[cd]*"u8));
        Assert.Equal(""u8.ToArray(), EntityKeys.LiteralPrefix("*"u8));
        Assert.Equal("x"u8.ToArray(), EntityKeys.LiteralPrefix("x\\*"u8));
        Assert.Equal("@key@user:", EntityKeys.InstanceIdPrefixFor("user:"u8));
    }

    [Fact]
    public void ReadableKeysStayReadable()
    {
        Assert.Equal("user:1000.name", EntityKeys.EntityOf(Encoding.UTF8.GetBytes("user:1000.name")));
        Assert.Equal("a~2Fb~23c~3F~5C~7E~20", EntityKeys.EntityOf(Encoding.UTF8.GetBytes("a/b#c?\\~ ")));
        Assert.Equal("~C3~A9", EntityKeys.EntityOf(Encoding.UTF8.GetBytes("é")));
        Assert.Equal("", EntityKeys.EntityOf([]));
    }

    [Fact]
    public void KeysPastTheTableKeyLimitGetALongKeyEntityThatKeepsTheirPrefixAndADigest()
    {
        var longest = Enumerable.Repeat((byte)'a', EntityKeys.MaxEscapedLength).ToArray();
        Assert.Equal(new string('a', EntityKeys.MaxEscapedLength), EntityKeys.EntityOf(longest)); // still its own name
        Assert.False(EntityKeys.IsGroup(EntityKeys.EntityOf(longest)));

        byte[] longer = [.. longest, (byte)'b'];
        var entity = EntityKeys.EntityOf(longer);
        Assert.Equal(new string('a', EntityKeys.LongPrefixLength) + "~~" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(longer)), entity);
        Assert.True(EntityKeys.IsGroup(entity)); // the entity keeps the whole key in its state
        Assert.True(entity.Length + EntityKeys.InstanceIdPrefix.Length <= 512);

        // Keys that share a long prefix get different entities; a binary prefix is cut on a byte boundary.
        Assert.NotEqual(entity, EntityKeys.EntityOf([.. longest, (byte)'c']));
        var binary = EntityKeys.EntityOf(Enumerable.Repeat((byte)0xFF, 1 << 20).ToArray());
        Assert.StartsWith(string.Concat(Enumerable.Repeat("~FF", EntityKeys.LongPrefixLength / 3)) + "~~", binary);

        // A tag too long for a name: its group gets the long form too, and stays one group.
        var tagged = EntityKeys.EntityOf(Encoding.UTF8.GetBytes("a{" + new string('t', 600) + "}b"));
        Assert.Equal(tagged, EntityKeys.EntityOf(Encoding.UTF8.GetBytes("{" + new string('t', 600) + "}c")));
        Assert.StartsWith("~7Bttt", tagged);
        Assert.True(EntityKeys.IsGroup(tagged));
    }

    [Fact]
    public void QueriesForALongPrefixAreCutWhereLongKeysEntitiesAre()
    {
        var prefix = Encoding.UTF8.GetBytes("url:" + new string('p', 1000));
        var query = EntityKeys.InstanceIdPrefixFor(prefix);
        Assert.Equal(EntityKeys.InstanceIdPrefix + "url:" + new string('p', EntityKeys.LongPrefixLength - 4), query);
        Assert.StartsWith(query, EntityKeys.InstanceIdPrefix + EntityKeys.EntityOf([.. prefix, (byte)'x']));
    }

    [Theory]
    [InlineData("~")]
    [InlineData("~4")]
    [InlineData("~GG")]
    [InlineData("a/b")]
    public void RejectsTextItNeverProduces(string text) =>
        Assert.Throws<FormatException>(() => EntityKeys.Unescape(text));

    [Fact]
    public void KeysWithAHashTagShareTheEntityOfTheirTagAndOthersKeepTheirOwn()
    {
        static string Of(string key) => EntityKeys.EntityOf(Encoding.UTF8.GetBytes(key));
        Assert.Equal("~7Buser:42~7D", Of("{user:42}:profile"));
        Assert.Equal(Of("{user:42}:profile"), Of("sessions:{user:42}"));
        Assert.Equal(Of("{user:42}"), Of("a{user:42}b{other}"));           // the first tag only
        Assert.Equal("foo~7B~7D~7Bbar~7D", Of("foo{}{bar}"));               // an empty first tag: no tag, as CLUSTER KEYSLOT
        Assert.Equal("foo~7Bbar", Of("foo{bar"));                           // no closing brace: no tag
        Assert.Equal("~7B~7Bbar~7D", Of("{{bar}}"));                        // the tag is "{bar"
        Assert.True(EntityKeys.IsGroup(Of("{user:42}:profile")));
        Assert.False(EntityKeys.IsGroup(Of("user:42")));
        Assert.False(EntityKeys.IsGroup(Of("foo{bar")));
        Assert.False(EntityKeys.IsGroup(Of("{}x")));
        // A long key with a short tag is held by its tag's entity, whatever its length.
        var longKey = Encoding.UTF8.GetBytes("{t}" + new string('x', 5000));
        Assert.Equal("~7Bt~7D", EntityKeys.EntityOf(longKey));
    }

    [Fact]
    public void QueriesForAPrefixReachTheGroupsThatMayHoldSuchKeys()
    {
        Assert.Equal(["@key@~7Buser:4"], EntityKeys.InstanceIdPrefixesFor("{user:4"u8));
        Assert.Equal(["@key@~7Buser:42~7D"], EntityKeys.InstanceIdPrefixesFor("{user:42}:pro"u8));
        Assert.Equal(["@key@app:", "@key@~7B"], EntityKeys.InstanceIdPrefixesFor("app:"u8));  // app:{u1}:x lives in group {u1}
        Assert.Equal(["@key@"], EntityKeys.InstanceIdPrefixesFor(""u8));
    }

    [Fact]
    public void EveryKeyWithAHashTagRoundTripsThroughItsGroupsName() =>
        Gen.Select(AnyKey, AnyKey.Where(t => !t.Contains((byte)'}') && t.Length > 0), AnyKey).Sample((before, tag, after) =>
        {
            var key = before.Where(b => b != (byte)'{').Concat(new[] { (byte)'{' }).Concat(tag).Concat(new[] { (byte)'}' }).Concat(after).ToArray();
            var entity = EntityKeys.EntityOf(key);
            Assert.True(EntityKeys.IsGroup(entity));
            if (entity.Contains("~~")) return; // a tag too long for a name: the long form
            Assert.Equal([(byte)'{', .. tag, (byte)'}'], EntityKeys.Unescape(entity));
        }, iter: 5_000);
}
