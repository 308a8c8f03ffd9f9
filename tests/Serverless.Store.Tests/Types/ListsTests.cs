using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>Pure engine tests of the list type: the deque, its JSON, and the commands' edges.</summary>
public sealed class ListsTests(ITestOutputHelper output)
{
    readonly MemoryKeyspace keyspace = new();
    long now = 1_000_000;

    Reply Run(params string[] args) =>
        Engine.Execute(new CommandContext(keyspace, now), args.Select(Encoding.UTF8.GetBytes).ToArray());

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static string[] Strings(ListValue list) => list.Select(Encoding.UTF8.GetString).ToArray();

    static Reply Bulks(params string[] items) => Reply.Array(items.Select(i => Reply.Bulk(B(i))).ToArray());

    // ---- the deque ----

    [Fact]
    public void Deque_matches_a_List_model_under_random_operations()
    {
        // op: 0 push front, 1 push back, 2 pop front, 3 pop back, 4 insert, 5 remove at,
        // 6 set, 7 bulk push back, 8 bulk pop front, 9 trim, 10 LREM, 11 clone, 12 bulk push front.
        // Values are small (0..9) so LREM finds several equal elements; the whole sequence is
        // compared with the model after every operation.
        var op = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 1000], Gen.Int[0, 9]);
        op.Array[0, 300].Sample(ops =>
        {
            var deque = new ListValue();
            var model = new List<int>();
            foreach (var (code, arg, value) in ops)
            {
                switch (code)
                {
                    case 0: deque.PushFront(V(value)); model.Insert(0, value); break;
                    case 1: deque.PushBack(V(value)); model.Add(value); break;
                    case 2 when model.Count > 0: Assert.Equal(model[0], I(deque.PopFront())); model.RemoveAt(0); break;
                    case 3 when model.Count > 0: Assert.Equal(model[^1], I(deque.PopBack())); model.RemoveAt(model.Count - 1); break;
                    case 4:
                        var at = arg % (model.Count + 1);
                        deque.Insert(at, V(value));
                        model.Insert(at, value);
                        break;
                    case 5 when model.Count > 0:
                        var rm = arg % model.Count;
                        deque.RemoveAt(rm);
                        model.RemoveAt(rm);
                        break;
                    case 6 when model.Count > 0:
                        var set = arg % model.Count;
                        deque[set] = V(value);
                        model[set] = value;
                        break;
                    case 7:
                        for (var i = 0; i < arg % 150; i++) { deque.PushBack(V(i % 10)); model.Add(i % 10); }
                        break;
                    case 8:
                        for (var i = 0; i < arg % 150 && model.Count > 0; i++) { Assert.Equal(model[0], I(deque.PopFront())); model.RemoveAt(0); }
                        break;
                    case 9:
                        var front = model.Count == 0 ? 0 : arg % (model.Count + 1);
                        var back = Math.Min(value, model.Count - front);
                        deque.Trim(front, back);
                        model.RemoveRange(model.Count - back, back);
                        model.RemoveRange(0, front);
                        break;
                    case 10:
                        var limit = arg % 4;
                        var fromTail = arg % 8 >= 4;
                        Assert.Equal(ModelRemove(model, value, limit, fromTail), deque.Remove(V(value), limit, fromTail));
                        break;
                    case 11:
                        deque = deque.Clone();
                        break;
                    case 12:
                        for (var i = 0; i < arg % 150; i++) { deque.PushFront(V(i % 10)); model.Insert(0, i % 10); }
                        break;
                }
                Assert.Equal(model.Count, deque.Count);
                for (var i = 0; i < model.Count; i++) Assert.Equal(model[i], I(deque[i]));
            }
            Assert.Equal(model, deque.Select(I));
        }, iter: 300);

        static byte[] V(int i) => BitConverter.GetBytes(i);
        static int I(byte[] b) => BitConverter.ToInt32(b);

        static int ModelRemove(List<int> model, int value, int limit, bool fromTail)
        {
            var removed = 0;
            if (!fromTail)
            {
                for (var i = 0; i < model.Count;)
                    if (model[i] == value && (limit == 0 || removed < limit)) { model.RemoveAt(i); removed++; }
                    else i++;
            }
            else
            {
                for (var i = model.Count - 1; i >= 0; i--)
                    if (model[i] == value && (limit == 0 || removed < limit)) { model.RemoveAt(i); removed++; }
            }
            return removed;
        }
    }

    [Fact]
    public void Lrem_through_the_deque_compares_whole_elements()
    {
        // The property test above tags elements; here equality must be on the full bytes.
        var list = new ListValue([B("a"), B("ab"), B("a"), B("b")]);
        Assert.Equal(2, list.Remove(B("a"), 0, fromTail: false));
        Assert.Equal(["ab", "b"], Strings(list));
    }

    [Fact]
    public void Deque_wraps_around_and_gives_memory_back()
    {
        var list = new ListValue();
        for (var i = 0; i < 3; i++) list.PushBack(B($"b{i}"));
        for (var i = 0; i < 3; i++) list.PushFront(B($"f{i}"));
        Assert.Equal(["f2", "f1", "f0", "b0", "b1", "b2"], Strings(list));

        for (var i = 0; i < 10_000; i++) list.PushFront(B("x"));
        Assert.Equal(16384, list.Capacity);
        while (list.Count > 10) list.PopBack();
        Assert.True(list.Capacity <= 64, $"capacity {list.Capacity} after draining");
        list.Trim(5, 5);
        Assert.Empty(list);
        Assert.Throws<InvalidOperationException>(() => list.PopFront());
        Assert.Throws<ArgumentOutOfRangeException>(() => list[0]);
    }

    [Fact]
    public void Clone_is_independent()
    {
        var list = new ListValue([B("a"), B("b")]);
        var copy = list.Clone();
        copy.PushBack(B("c"));
        copy[0] = B("z");
        Assert.Equal(["a", "b"], Strings(list));
        Assert.Equal(["z", "b", "c"], Strings(copy));
        Assert.Empty(new ListValue().Clone());
    }

    // ---- JSON ----

    public static TheoryData<string, byte[][]> Shapes => new()
    {
        { "empty", [] },
        { "one", [B("a")] },
        { "utf8 and empty strings", [B("héllo"), B(""), B("\"quoted\"\n"), B("🙂")] },
        { "binary", [[0xff, 0x00, 0xfe], [0xc3], B("text"), [0x00]] },
        { "base64-looking text", [B("[\"AAE=\"]"), B("AAE=")] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Json_round_trips_every_shape(string name, byte[][] elements)
    {
        var list = new ListValue();
        // push at the front too, so the buffer is wrapped when serialized
        foreach (var e in elements.Reverse()) list.PushFront(e);
        var state = new KeyState { List = list, ExpiresAt = 123, Version = 7 };
        var json = JsonSerializer.Serialize(state);
        output.WriteLine($"{name}: {json}");
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(RedisType.List, back.Type);
        Assert.Equal(elements, back.List!.ToArray());
        Assert.Equal(123, back.ExpiresAt);
        Assert.Equal(7, back.Version);
        Assert.Equal(json, JsonSerializer.Serialize(back));
    }

    [Fact]
    public void Json_is_a_compact_array_of_strings()
    {
        var state = new KeyState { List = new ListValue([B("a"), [0xff]]), Version = 1 };
        Assert.Equal("""{"l":["a",["/w=="]],"v":1}""", JsonSerializer.Serialize(state));
    }

    [Fact]
    public void Json_size_of_a_10000_element_list()
    {
        for (var i = 0; i < 10_000; i++) Run("RPUSH", "big", $"element:{i}");
        var json = JsonSerializer.Serialize(keyspace.Get(B("big")));
        output.WriteLine($"10,000 elements of ~12 bytes: {json.Length:N0} bytes of JSON");
        var payload = Enumerable.Range(0, 10_000).Sum(i => $"element:{i}".Length);
        Assert.True(json.Length < payload + 10_000 * 3 + 50, $"{json.Length} bytes");
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(10_000, back.List!.Count);
        Assert.Equal("element:9999", Encoding.UTF8.GetString(back.List[^1]));
    }

    // ---- commands ----

    [Fact]
    public void Push_pop_and_range()
    {
        Assert.Equal(Reply.Integer(3), Run("LPUSH", "l", "a", "b", "c"));
        Assert.Equal(Reply.Integer(5), Run("RPUSH", "l", "d", "e"));
        Assert.Equal(Bulks("c", "b", "a", "d", "e"), Run("LRANGE", "l", "0", "-1"));
        Assert.Equal(Reply.Bulk(B("c")), Run("LPOP", "l"));
        Assert.Equal(Bulks("e", "d"), Run("RPOP", "l", "2"));
        Assert.Equal(Reply.EmptyArray, Run("LPOP", "l", "0"));
        Assert.Equal(Bulks("b", "a"), Run("LPOP", "l", "99"));
        Assert.Null(keyspace.Get(B("l")));
        Assert.Equal(Reply.NilArray, Run("LPOP", "l", "1"));
        Assert.Equal(Reply.Nil, Run("RPOP", "l"));
        Assert.Equal(Reply.Error(Errors.NotPositive), Run("LPOP", "l", "-1"));
        Assert.Equal(Reply.Error(Errors.WrongArity("rpop")), Run("RPOP", "l", "1", "2"));
    }

    [Fact]
    public void Pushx_only_on_existing_lists()
    {
        Assert.Equal(Reply.Zero, Run("LPUSHX", "l", "a"));
        Assert.Null(keyspace.Get(B("l")));
        Run("RPUSH", "l", "a");
        Assert.Equal(Reply.Integer(3), Run("RPUSHX", "l", "b", "c"));
        Assert.Equal(Reply.Integer(4), Run("LPUSHX", "l", "z"));
        Assert.Equal(Bulks("z", "a", "b", "c"), Run("LRANGE", "l", "0", "-1"));
    }

    [Fact]
    public void Writes_bump_the_version_and_failed_writes_change_nothing()
    {
        Run("RPUSH", "l", "a", "b");
        var v = keyspace.Get(B("l"))!.Version;
        Run("LSET", "l", "0", "x");
        Assert.Equal(v + 1, keyspace.Get(B("l"))!.Version);
        Assert.Equal(Reply.Error(Errors.IndexOutOfRange), Run("LSET", "l", "5", "y"));
        Assert.Equal(Reply.Integer(-1), Run("LINSERT", "l", "BEFORE", "nope", "y"));
        Assert.Equal(Reply.Zero, Run("LREM", "l", "0", "nope"));
        Assert.Equal(v + 1, keyspace.Get(B("l"))!.Version);
        Assert.Equal(Bulks("x", "b"), Run("LRANGE", "l", "0", "-1"));
    }

    [Fact]
    public void Lmove_rotates_one_key_and_checks_the_destination_type_first()
    {
        Run("RPUSH", "l", "a", "b", "c");
        Assert.Equal(Reply.Bulk(B("a")), Run("LMOVE", "l", "l", "LEFT", "RIGHT"));
        Assert.Equal(Bulks("b", "c", "a"), Run("LRANGE", "l", "0", "-1"));
        Assert.Equal(Reply.Bulk(B("a")), Run("RPOPLPUSH", "l", "l"));
        Assert.Equal(Bulks("a", "b", "c"), Run("LRANGE", "l", "0", "-1"));

        keyspace.Set(B("s"), KeyState.OfString(B("x")));
        Assert.Equal(Reply.Error(Errors.WrongType), Run("LMOVE", "l", "s", "left", "left"));
        Assert.Equal(Bulks("a", "b", "c"), Run("LRANGE", "l", "0", "-1"));
        Assert.Equal(Reply.Nil, Run("LMOVE", "missing", "s", "left", "left"));

        Run("RPUSH", "one", "x");
        Assert.Equal(Reply.Bulk(B("x")), Run("LMOVE", "one", "one", "right", "left"));
        Assert.Equal(Reply.Integer(1), Run("LLEN", "one"));
        Assert.Equal(Reply.Bulk(B("x")), Run("LMOVE", "one", "other", "right", "left"));
        Assert.Null(keyspace.Get(B("one")));
        Assert.Equal(Bulks("x"), Run("LRANGE", "other", "0", "-1"));
    }

    [Fact]
    public void Expired_lists_are_missing()
    {
        Run("RPUSH", "l", "a", "b");
        keyspace.Get(B("l"))!.ExpiresAt = now + 10;
        now += 10;
        Assert.Equal(Reply.Zero, Run("LLEN", "l"));
        Assert.Equal(Reply.Zero, Run("RPUSHX", "l", "c"));
        Assert.Equal(Reply.Integer(1), Run("RPUSH", "l", "c"));
        Assert.Null(keyspace.Get(B("l"))!.ExpiresAt);
    }

    [Fact]
    public void Lpos_rank_count_maxlen()
    {
        Run("RPUSH", "l", "a", "b", "a", "c", "a");
        Assert.Equal(Reply.Integer(0), Run("LPOS", "l", "a"));
        Assert.Equal(Reply.Integer(4), Run("LPOS", "l", "a", "RANK", "-1"));
        Assert.Equal(Reply.Array([Reply.Integer(2), Reply.Integer(0)]), Run("LPOS", "l", "a", "RANK", "-2", "COUNT", "0"));
        Assert.Equal(Reply.Nil, Run("LPOS", "l", "a", "RANK", "3", "MAXLEN", "4"));
        Assert.Equal(Reply.Array([Reply.Integer(4), Reply.Integer(2), Reply.Integer(0)]),
            Run("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1"));
    }

    [Fact]
    public void Ltrim_to_nothing_deletes_the_key()
    {
        Run("RPUSH", "l", "a", "b", "c");
        Assert.Equal(Reply.Ok, Run("LTRIM", "l", "1", "-1"));
        Assert.Equal(Bulks("b", "c"), Run("LRANGE", "l", "0", "-1"));
        Assert.Equal(Reply.Ok, Run("LTRIM", "l", "5", "10"));
        Assert.Null(keyspace.Get(B("l")));
    }
}
