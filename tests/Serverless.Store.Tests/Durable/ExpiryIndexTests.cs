using Serverless.Store.Durable;

namespace Serverless.Store.Tests.Durable;

/// <summary>The sweep's bucket math, on a fake clock (plain numbers): pure, no engine.</summary>
public class ExpiryIndexTests
{
    const long B = ExpiryIndex.BucketMs;

    [Fact]
    public void AnExpiryFallsInTheBucketThatStartsAtOrBeforeIt()
    {
        var t0 = 1_764_148_800_000L; // a bucket boundary
        Assert.Equal(t0, ExpiryIndex.BucketStart(t0));
        Assert.Equal(t0, ExpiryIndex.BucketStart(t0 + B - 1));
        Assert.Equal(t0 + B, ExpiryIndex.BucketStart(t0 + B));
        Assert.Equal(ExpiryIndex.BucketId(t0 + 123).Key, ExpiryIndex.BucketId(t0 + 9_999).Key);
        // Keys sort by time, so a prefix listing finds the oldest bucket first.
        Assert.True(string.CompareOrdinal(ExpiryIndex.BucketKey(t0), ExpiryIndex.BucketKey(t0 + B)) < 0);
        Assert.Equal("b" + t0, ExpiryIndex.BucketKey(t0));
    }

    [Fact]
    public void OnlyBucketsThatEndedABucketAgoAreDue()
    {
        var cursor = 1_764_148_800_000L;
        var clock = cursor; // fake clock
        Assert.Empty(ExpiryIndex.DueBuckets(cursor, clock));
        clock = cursor + B; // the first bucket just ended: still in its grace
        Assert.Empty(ExpiryIndex.DueBuckets(cursor, clock));
        clock = cursor + 2 * B;
        Assert.Equal([cursor], ExpiryIndex.DueBuckets(cursor, clock));
        clock = cursor + 5 * B + 1;
        Assert.Equal([cursor, cursor + B, cursor + 2 * B, cursor + 3 * B], ExpiryIndex.DueBuckets(cursor, clock));
        // An hour after the cursor: 360 buckets of 10 s, minus the grace: the sweep's cost is buckets, not keys.
        Assert.Equal(359, ExpiryIndex.DueBuckets(cursor, cursor + 3_600_000).Count());
    }
}
