using System.Text.Json;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Durable;

/// <summary>The key entity's stored record: exact JSON, reply lookup, trimming by age and count.</summary>
public class KeyRecordTests(ITestOutputHelper output)
{
    [Fact]
    public void RoundTripsCompactly()
    {
        var record = new KeyRecord { State = KeyState.OfString("v"u8.ToArray()) };
        record.AddReply(new StoredReply("abc", 1000, [Reply.Ok, Reply.Integer(7), Reply.Bulk(new byte[] { 0xFF }), Reply.Nil]), 1000);
        var json = JsonSerializer.Serialize(record);
        Assert.Equal("{\"k\":{\"s\":\"v\",\"v\":0},\"r\":[[\"abc\",1000,[{\"s\":\"OK\"},7,{\"b\":\"/w==\"},null]]]}", json);
        var back = JsonSerializer.Deserialize<KeyRecord>(json)!;
        Assert.Equal("v"u8.ToArray(), back.State!.String);
        Assert.Equal([Reply.Ok, Reply.Integer(7), Reply.Bulk(new byte[] { 0xFF }), Reply.Nil], back.FindReply("abc")!.Replies);
        Assert.Null(back.FindReply("abd"));

        // A deleted key that still holds a reply, and a record holding nothing.
        var gone = JsonSerializer.Deserialize<KeyRecord>(JsonSerializer.Serialize(new KeyRecord { Replies = [new("x", 1, [Reply.Integer(1)])] }))!;
        Assert.Null(gone.State);
        Assert.False(gone.IsEmpty);
        Assert.Equal("{}", JsonSerializer.Serialize(new KeyRecord()));
        Assert.True(new KeyRecord().IsEmpty);

        var hot = new KeyRecord { State = KeyState.OfString("3200"u8.ToArray()) };
        for (var i = 0; i < KeyRecord.MaxReplies; i++) hot.AddReply(new StoredReply(SubmitRequest.NewId(), 1_712_000_000_000 + i, [Reply.Integer(i)]), 1_712_000_000_000 + i);
        output.WriteLine($"a hot key's record with {KeyRecord.MaxReplies} INCR replies: {JsonSerializer.Serialize(hot).Length} bytes");
    }

    [Fact]
    public void TrimsRepliesByAgeAndCount()
    {
        var record = new KeyRecord();
        record.AddReply(new StoredReply("old", 0, [Reply.Ok]), 0);
        record.AddReply(new StoredReply("new", KeyRecord.ReplyRetentionMs, [Reply.Ok]), KeyRecord.ReplyRetentionMs);
        Assert.Null(record.FindReply("old")); // as old as the retention: dropped
        Assert.NotNull(record.FindReply("new"));

        var t = KeyRecord.ReplyRetentionMs;
        for (var i = 0; i < KeyRecord.MaxReplies + 10; i++) record.AddReply(new StoredReply("r" + i, t, [Reply.Integer(i)]), t);
        Assert.Equal(KeyRecord.MaxReplies + 11, record.Replies!.Count); // one batch's replies are all kept while young
        record.Trim(t + KeyRecord.MinReplyAgeMs);
        Assert.Equal(KeyRecord.MaxReplies, record.Replies!.Count);
        Assert.Null(record.FindReply("r9")); // the oldest go first
        Assert.NotNull(record.FindReply("r10"));
        Assert.NotNull(record.FindReply("r" + (KeyRecord.MaxReplies + 9)));

        record.Trim(3 * KeyRecord.ReplyRetentionMs);
        Assert.Null(record.Replies);
        Assert.True(record.IsEmpty);
    }
}
