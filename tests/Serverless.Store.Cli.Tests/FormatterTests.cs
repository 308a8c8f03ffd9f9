using System.Text;

namespace Serverless.Store.Cli.Tests;

/// <summary>The formatter and parsers alone, on replies the REST API cannot produce from redis-server's side of a differential test.</summary>
public sealed class FormatterTests
{
    static string Tty(Reply r) => Encoding.UTF8.GetString(Formatter.Format(r, OutputMode.Standard));
    static BulkReply B(string s) => new(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Nested_arrays_indent_by_the_width_of_the_largest_index()
    {
        var inner = new ArrayReply(Enumerable.Range(1, 10).Select(i => (Reply)new IntegerReply(i)).ToList());
        var text = Tty(new ArrayReply([B("a"), inner, NilReply.Instance, new ArrayReply([])]));
        Assert.StartsWith("1) \"a\"\n2)  1) (integer) 1\n    2) (integer) 2\n", text);
        Assert.Contains("   10) (integer) 10\n3) (nil)\n4) (empty array)\n", text);
    }

    [Fact]
    public void Status_ok_is_told_from_a_bulk_ok_by_the_base64_encoding()
    {
        var json = System.Text.Json.JsonDocument.Parse("""{"result":["OK","T0s=","UE9ORw=="]}""").RootElement;
        var reply = ReplyDecoder.FromEnvelope(json, [Encoding.UTF8.GetBytes("EVAL")]);
        Assert.Equal("1) OK\n2) \"OK\"\n3) \"PONG\"\n", Tty(reply));
        var ping = ReplyDecoder.FromEnvelope(System.Text.Json.JsonDocument.Parse("""{"result":"UE9ORw=="}""").RootElement, [Encoding.UTF8.GetBytes("ping")]);
        Assert.Equal("PONG\n", Tty(ping));
    }

    [Fact]
    public void Lines_split_as_redis_cli_splits_them()
    {
        var args = Arguments.Split("set 'it''s' \"a\\x41\\n\" 'x\\'y' plain");
        Assert.Null(args); // a closing quote must be followed by a blank
        args = Arguments.Split("set \"a\\x41\\n\" 'x\\'y' plain")!;
        Assert.Equal(["set", "aA\n", "x'y", "plain"], args.Select(a => Encoding.UTF8.GetString(a)));
        Assert.Null(Arguments.Split("get \"open"));
    }

    [Fact]
    public void Pipe_input_takes_resp_and_inline_commands()
    {
        var input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\na\n\r\n\r\nINCR \"n\"\n"u8.ToArray();
        var reader = new ProtocolReader(new MemoryStream(input));
        Assert.Equal(["SET", "k", "a\n"], reader.Next()!.Select(a => Encoding.UTF8.GetString(a)));
        Assert.Equal(["INCR", "n"], reader.Next()!.Select(a => Encoding.UTF8.GetString(a)));
        Assert.Null(reader.Next());
        Assert.Throws<FormatException>(() => new ProtocolReader(new MemoryStream("*1\r\n+x\r\n"u8.ToArray())).Next());
    }

    [Fact]
    public void Events_become_the_arrays_redis_pushes_even_with_commas_in_names_and_payloads()
    {
        Assert.Equal("1) \"subscribe\"\n2) \"a,b\"\n3) (integer) 1\n", Tty(Cli.Event("subscribe,a,b,1", ["a,b"])!));
        Assert.Equal("1) \"message\"\n2) \"a,b\"\n3) \"x,y\"\n", Tty(Cli.Event("message,a,b,x,y", ["a,b"])!));
        Assert.Equal("1) \"pmessage\"\n2) \"n.*\"\n3) \"n.1\"\n4) \"p,q\"\n", Tty(Cli.Event("pmessage,n.*,n.1,p,q", ["n.*"])!));
    }

    [Theory]
    [InlineData(1023, "1023B")]
    [InlineData(1536, "1.50K")]
    [InlineData(5 * 1024 * 1024, "5.00M")]
    public void Memory_prints_as_bytesToHuman(long bytes, string text) => Assert.Equal(text, Cli.Human(bytes));
}
