using System.Text.Json;
using CsCheck;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Durable;

public class ReplyJsonTests
{
    static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (3, Gen.String.Select(s => System.Text.Encoding.UTF8.GetBytes(s))),
        (1, Gen.Byte.Array[0, 20]));

    static readonly Gen<Reply> Leaf = Gen.OneOf(
        Gen.Long.Select(Reply.Integer),
        Bytes.Select(b => Reply.Bulk(b)),
        Gen.Const(Reply.Nil),
        Gen.Const(Reply.NilArray),
        Gen.Const(Reply.EmptyArray),
        Gen.String.Select(Reply.Simple),
        Gen.String.Select(Reply.Error));

    static readonly Gen<Reply> AnyReply = Gen.Recursive<Reply>((depth, self) =>
        depth >= 3 ? Leaf : Gen.Frequency((3, Leaf), (1, self.List[0, 4].Select(l => Reply.Array(l.ToArray())))));

    [Fact]
    public void EveryReplyRoundTripsExactly() =>
        AnyReply.Sample(r => Assert.Equal(r, ReplyJson.Deserialize(ReplyJson.Serialize(r))), iter: 10_000);

    [Fact]
    public void ShapesStayDistinctAndCompact()
    {
        Assert.Equal("5", ReplyJson.Serialize(Reply.Integer(5)));
        Assert.Equal("\"5\"", ReplyJson.Serialize(Reply.Bulk("5")));
        Assert.Equal("null", ReplyJson.Serialize(Reply.Nil));
        Assert.Equal("{\"a\":null}", ReplyJson.Serialize(Reply.NilArray));
        Assert.Equal("[]", ReplyJson.Serialize(Reply.EmptyArray));
        Assert.Equal("{\"s\":\"OK\"}", ReplyJson.Serialize(Reply.Ok));
        Assert.Equal("{\"e\":\"ERR x\"}", ReplyJson.Serialize(Reply.Error("ERR x")));
        Assert.Equal("{\"b\":\"/w==\"}", ReplyJson.Serialize(Reply.Bulk(new byte[] { 0xFF })));
        Assert.Equal(long.MinValue, ((IntegerReply)ReplyJson.Deserialize(ReplyJson.Serialize(Reply.Integer(long.MinValue)))).Value);
    }

    [Fact]
    public void CommandBatchesRoundTripBinarySafe() =>
        Bytes.Array[1, 5].Array[0, 4].Sample(commands =>
        {
            // Default options, as the Durable Task data converter would use: the type carries its converter.
            var json = JsonSerializer.Serialize(new CommandBatch(commands));
            var back = JsonSerializer.Deserialize<CommandBatch>(json)!;
            Assert.Equal(commands.Length, back.Commands.Length);
            for (var i = 0; i < commands.Length; i++) Assert.Equal(commands[i], back.Commands[i]);
        }, iter: 5_000);

    [Fact]
    public void ChainStepsRoundTripAsObjectToo()
    {
        var step = new ChainStep
        {
            Id = "tx", Keys = ["a", "b"], Index = 1, Commands = CommandBatch.Of([[.. "SET"u8], [.. "k"u8], [0xFF]]), NowMs = 5, Seed = 9,
            Held = [new HeldKey("a"u8.ToArray(), KeyState.OfString([0xFE])), new HeldKey([0xFF], null)],
        };
        object boxed = step; // the entity shim serializes signal inputs as object: the runtime type's names must apply
        var json = JsonSerializer.Serialize(boxed);
        Assert.Equal("{\"i\":\"tx\",\"k\":[\"a\",\"b\"],\"n\":1,\"c\":[[\"SET\",\"k\",[\"/w==\"]]],\"t\":5,\"r\":9,\"s\":[[\"a\",{\"s\":[\"/g==\"],\"v\":0}],[[\"/w==\"],null]]}", json);
        var back = JsonSerializer.Deserialize<ChainStep>(json)!;
        Assert.Equal(step.Keys, back.Keys);
        Assert.Equal([0xFE], back.Held[0].State!.String);
        Assert.Equal([0xFF], back.Held[1].Key);
        Assert.Null(back.Held[1].State);
    }
}
