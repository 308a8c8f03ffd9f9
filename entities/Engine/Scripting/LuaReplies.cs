using Serverless.Store.Protocol;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// Replies to Lua values and back, as Redis 7.0's script_lua.c converts them (RESP2, and RESP3
/// where our replies can tell: nil). Reply to Lua: integer → number, bulk → string, nil bulk or
/// nil array → false (nil under RESP3), array → table, status → {ok=...}, error → {err=...}.
/// Lua to reply: number → integer (truncated, as C casts), string → bulk, true → 1, false → nil
/// (0 under RESP3), tables {err=...} → error, {ok=...} → status, {double=...}, {map=...},
/// {set=...}, {big_number=...}, {verbatim_string=...}, else an array up to the first nil;
/// anything else → nil.
/// </summary>
internal static unsafe class LuaReplies
{
    /// <summary>Nesting deeper than this answers an error element, as Redis does when its Lua stack runs out.</summary>
    const int MaxDepth = 1000;

    public static void Push(IntPtr L, Reply reply, int resp)
    {
        if (lua_checkstack(L, 4) == 0) throw new InvalidOperationException("lua stack limit reached when converting a reply");
        switch (reply)
        {
            case IntegerReply i:
                lua_pushinteger(L, i.Value);
                break;
            case BulkReply { Value: { } bytes }:
                PushBytes(L, bytes);
                break;
            case BulkReply:
            case ArrayReply { Items: null }:
                if (resp == 3) lua_pushnil(L);
                else lua_pushboolean(L, 0);
                break;
            case ArrayReply { Items: { } items }:
                lua_createtable(L, items.Count, 0);
                for (var i = 0; i < items.Count; i++)
                {
                    Push(L, items[i], resp);
                    lua_rawseti(L, -2, i + 1);
                }
                break;
            case SimpleReply s:
                PushSingleField(L, "ok", s.Value);
                break;
            case ErrorReply e:
                PushSingleField(L, "err", ErrorTableText(e.Message));
                break;
            default:
                lua_pushboolean(L, 0);
                break;
        }
    }

    /// <summary>Pushes {field = text}.</summary>
    public static void PushSingleField(IntPtr L, string field, string text)
    {
        lua_createtable(L, 0, 1);
        PushString(L, text);
        SetField(L, -2, field);
    }

    /// <summary>KEYS and ARGV: an array of strings.</summary>
    public static void PushArray(IntPtr L, IReadOnlyList<byte[]> items)
    {
        lua_createtable(L, items.Count, 0);
        for (var i = 0; i < items.Count; i++)
        {
            PushBytes(L, items[i]);
            lua_rawseti(L, -2, i + 1);
        }
    }

    /// <summary>
    /// luaPushErrorBuff for an error reply ("-CODE message"): the code and the message, trimmed of
    /// CR/LF; a reply without a space gets the generic ERR code.
    /// </summary>
    public static string ErrorTableText(string error)
    {
        var space = error.IndexOf(' ');
        return space < 0 ? "ERR " + error.Trim('\r', '\n') : error[..space] + " " + error[(space + 1)..].Trim('\r', '\n');
    }

    /// <summary>Error and status replies cannot hold CR or LF: Redis turns them into spaces.</summary>
    public static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ');

    public static Reply FromLua(IntPtr L, int index, int resp, int depth = 0)
    {
        index = lua_absindex(L, index);
        switch (lua_type(L, index))
        {
            case TString:
                return Reply.Bulk(ToBytes(L, index));
            case TBoolean:
                var b = lua_toboolean(L, index) != 0;
                return resp == 2 ? (b ? Reply.One : Reply.Nil) : Reply.Integer(b);
            case TNumber:
                return Reply.Integer(lua_isinteger(L, index) != 0
                    ? LuaNumbers.ToCLong(lua_tointegerx(L, index, null)) // through a double, as 5.1 held it
                    : LuaNumbers.ToCLong(lua_tonumberx(L, index, null)));
            case TTable:
                if (depth >= MaxDepth || lua_checkstack(L, 4) == 0) return Reply.Error("ERR reached lua stack limit");
                return TableReply(L, index, resp, depth);
            default:
                return Reply.Nil;
        }
    }

    static Reply TableReply(IntPtr L, int index, int resp, int depth)
    {
        if (Field(L, index, "err") == TString) return TakeText(L, t => Reply.Error(OneLine(t)));
        Pop(L, 1);
        if (Field(L, index, "ok") == TString) return TakeText(L, t => Reply.Simple(OneLine(t)));
        Pop(L, 1);
        if (Field(L, index, "double") == TNumber)
        {
            var d = lua_tonumberx(L, -1, null);
            Pop(L, 1);
            return Reply.Bulk(LuaNumbers.FormatG(d, 17)); // addReplyDouble, RESP2
        }
        Pop(L, 1);
        if (Field(L, index, "big_number") == TString) return TakeText(L, t => Reply.Bulk(OneLine(t)));
        Pop(L, 1);
        if (Field(L, index, "verbatim_string") == TTable)
        {
            var verbatim = lua_gettop(L);
            if (Field(L, verbatim, "format") == TString && Field(L, verbatim, "string") == TString)
            {
                var text = ToBytes(L, -1);
                Pop(L, 3);
                return Reply.Bulk(text);
            }
            lua_settop(L, verbatim);
        }
        Pop(L, 1);
        if (Field(L, index, "map") == TTable) return Pairs(L, resp, depth, values: true);
        Pop(L, 1);
        if (Field(L, index, "set") == TTable) return Pairs(L, resp, depth, values: false);
        Pop(L, 1);
        var array = new List<Reply>();
        for (long i = 1; ; i++)
        {
            if (lua_rawgeti(L, index, i) == TNil)
            {
                Pop(L, 1);
                break;
            }
            array.Add(FromLua(L, -1, resp, depth + 1));
            Pop(L, 1);
        }
        return Reply.Array(array);
    }

    /// <summary>RESP2's flat array of a {map=...} (keys and values) or a {set=...} (keys) on top, popped.</summary>
    static Reply Pairs(IntPtr L, int resp, int depth, bool values)
    {
        var table = lua_gettop(L);
        var items = new List<Reply>();
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            items.Add(FromLua(L, -2, resp, depth + 1));
            if (values) items.Add(FromLua(L, -1, resp, depth + 1));
            Pop(L, 1);
        }
        Pop(L, 1);
        return Reply.Array(items);
    }

    static int Field(IntPtr L, int index, string name) => GetField(L, index, name);

    static Reply TakeText(IntPtr L, Func<string, Reply> make)
    {
        var text = ToText(L, -1) ?? "";
        Pop(L, 1);
        return make(text);
    }
}
