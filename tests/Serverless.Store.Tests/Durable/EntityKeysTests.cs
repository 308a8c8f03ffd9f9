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
        AnyKey.Sample(key => Assert.Equal(key, EntityKeys.FromEntityKey(EntityKeys.ToEntityKey(key))), iter: 20_000);

    [Fact]
    public void EscapedFormUsesOnlyTableAndUrlSafeAscii() =>
        AnyKey.Sample(key =>
        {
            var escaped = EntityKeys.ToEntityKey(key);
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
        Assert.Equal("user:1000.name", EntityKeys.ToEntityKey(Encoding.UTF8.GetBytes("user:1000.name")));
        Assert.Equal("a~2Fb~23c~3F~5C~7E~20", EntityKeys.ToEntityKey(Encoding.UTF8.GetBytes("a/b#c?\\~ ")));
        Assert.Equal("~C3~A9", EntityKeys.ToEntityKey(Encoding.UTF8.GetBytes("é")));
        Assert.Equal("", EntityKeys.ToEntityKey([]));
    }

    [Fact]
    public void RefusesKeysLongerThanTheMaximumWithARedisError()
    {
        var longest = Enumerable.Repeat((byte)'a', EntityKeys.MaxEscapedLength).ToArray();
        Assert.Equal(EntityKeys.MaxEscapedLength, EntityKeys.ToEntityKey(longest).Length);
        var e = Assert.Throws<RedisException>(() => EntityKeys.ToEntityKey([.. longest, (byte)'a']));
        Assert.StartsWith("ERR ", e.Message);
        var binary = Enumerable.Repeat((byte)0xFF, EntityKeys.MaxEscapedLength / 3 + 1).ToArray();
        Assert.False(EntityKeys.TryToEntityKey(binary, out _));
    }

    [Theory]
    [InlineData("~")]
    [InlineData("~4")]
    [InlineData("~GG")]
    [InlineData("a/b")]
    public void RejectsTextItNeverProduces(string text) =>
        Assert.Throws<FormatException>(() => EntityKeys.FromEntityKey(text));
}
