using System.Globalization;
using System.Text;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// Lua CJSON 2.1.0 as Redis builds it (deps/lua/src/lua_cjson.c, fpconv.c) in C#: Redis compiles
/// it into its Lua 5.1 and no package brings it to Lua 5.4. Numbers encode with "%.14g", empty
/// tables as {}, arrays are tables whose keys are 1..n (sparse ones past the ratio refused),
/// cjson.null is a NULL light userdata, inf/nan/hex numbers decode (Redis's build), and the error
/// texts are Redis's ("Expected value but found T_END at character 4").
/// Configuration calls (encode_max_depth...) last for the run; Redis keeps them for the server.
/// </summary>
internal static unsafe class Cjson
{
    /// <summary>The settings cjson's configuration functions change (json_config_t), per run.</summary>
    internal sealed class Config
    {
        public bool EncodeSparseConvert;
        public int EncodeSparseRatio = 2;
        public int EncodeSparseSafe = 10;
        public int EncodeMaxDepth = 1000;
        public int DecodeMaxDepth = 1000;
        public int EncodeInvalidNumbers; // 0 off, 1 on, 2 null
        public bool DecodeInvalidNumbers = true;
        public bool EncodeKeepBuffer = true;
        public int EncodeNumberPrecision = 14;
    }

    /// <summary>Nesting is recursion here (C's stack in Redis): the depth limits cannot be raised past Redis's default.</summary>
    const int MaxNesting = 1000;

    public static void Open(IntPtr L)
    {
        lua_createtable(L, 0, 16);
        LuaFunctions.Set(L, -1, "encode", &Encode);
        LuaFunctions.Set(L, -1, "decode", &Decode);
        LuaFunctions.Set(L, -1, "encode_sparse_array", &EncodeSparseArray);
        LuaFunctions.Set(L, -1, "encode_max_depth", &EncodeMaxDepth);
        LuaFunctions.Set(L, -1, "decode_max_depth", &DecodeMaxDepth);
        LuaFunctions.Set(L, -1, "encode_number_precision", &EncodeNumberPrecision);
        LuaFunctions.Set(L, -1, "encode_keep_buffer", &EncodeKeepBuffer);
        LuaFunctions.Set(L, -1, "encode_invalid_numbers", &EncodeInvalidNumbers);
        LuaFunctions.Set(L, -1, "decode_invalid_numbers", &DecodeInvalidNumbers);
        LuaFunctions.Set(L, -1, "new", &New);
        lua_pushlightuserdata(L, IntPtr.Zero);
        SetField(L, -2, "null");
        PushString(L, "cjson");
        SetField(L, -2, "_NAME");
        PushString(L, "2.1.0");
        SetField(L, -2, "_VERSION");
    }

    static Config Settings(LuaCall c) => c.Run?.Cjson ?? new Config();

    /// <summary>cjson.new(): another module table; its settings are the run's too.</summary>
    static int New(LuaCall c)
    {
        Open(c.L);
        return 1;
    }

    // ------------------------------------------------------------ configuration

    static Config ArgInit(LuaCall c, int args, string function)
    {
        if (c.Top > args) throw c.ArgError(args + 1, function, "found too many arguments");
        lua_settop(c.L, args);
        return Settings(c);
    }

    static int IntegerOption(LuaCall c, int index, ref int setting, int min, int max, string function)
    {
        if (c.Type(index) != TNil)
        {
            var value = c.CheckInt(index, function);
            if (value < min || value > max) throw c.ArgError(1, function, $"expected integer between {min} and {max}");
            setting = value;
        }
        c.PushInteger(setting);
        return 1;
    }

    static int BoolOption(LuaCall c, int index, ref bool setting, string function)
    {
        if (c.Type(index) != TNil)
        {
            if (c.Type(index) == TBoolean) setting = lua_toboolean(c.L, index) != 0;
            else setting = CheckOption(c, index, function, ["off", "on"]) == 1;
        }
        c.PushBoolean(setting);
        return 1;
    }

    static int CheckOption(LuaCall c, int index, string function, string[] options)
    {
        var name = c.CheckText(index, function);
        var i = Array.IndexOf(options, name);
        return i >= 0 ? i : throw c.ArgError(index, function, $"invalid option '{name}'");
    }

    static int EncodeSparseArray(LuaCall c)
    {
        var cfg = ArgInit(c, 3, "encode_sparse_array");
        BoolOption(c, 1, ref cfg.EncodeSparseConvert, "encode_sparse_array");
        IntegerOption(c, 2, ref cfg.EncodeSparseRatio, 0, int.MaxValue, "encode_sparse_array");
        IntegerOption(c, 3, ref cfg.EncodeSparseSafe, 0, int.MaxValue, "encode_sparse_array");
        return 3;
    }

    static int EncodeMaxDepth(LuaCall c) => IntegerOption(c, 1, ref ArgInit(c, 1, "encode_max_depth").EncodeMaxDepth, 1, int.MaxValue, "encode_max_depth");
    static int DecodeMaxDepth(LuaCall c) => IntegerOption(c, 1, ref ArgInit(c, 1, "decode_max_depth").DecodeMaxDepth, 1, int.MaxValue, "decode_max_depth");
    static int EncodeNumberPrecision(LuaCall c) => IntegerOption(c, 1, ref ArgInit(c, 1, "encode_number_precision").EncodeNumberPrecision, 1, 14, "encode_number_precision");
    static int EncodeKeepBuffer(LuaCall c) => BoolOption(c, 1, ref ArgInit(c, 1, "encode_keep_buffer").EncodeKeepBuffer, "encode_keep_buffer");
    static int DecodeInvalidNumbers(LuaCall c) => BoolOption(c, 1, ref ArgInit(c, 1, "decode_invalid_numbers").DecodeInvalidNumbers, "decode_invalid_numbers");

    static int EncodeInvalidNumbers(LuaCall c)
    {
        var cfg = ArgInit(c, 1, "encode_invalid_numbers");
        string[] options = ["off", "on", "null"];
        if (c.Type(1) != TNil)
            cfg.EncodeInvalidNumbers = c.Type(1) == TBoolean ? (lua_toboolean(c.L, 1) != 0 ? 1 : 0) : CheckOption(c, 1, "encode_invalid_numbers", options);
        if (cfg.EncodeInvalidNumbers <= 1) c.PushBoolean(cfg.EncodeInvalidNumbers == 1);
        else c.PushString(options[cfg.EncodeInvalidNumbers]);
        return 1;
    }

    // ------------------------------------------------------------ encode

    static int Encode(LuaCall c)
    {
        if (c.Top != 1) throw c.ArgError(1, "encode", "expected 1 argument");
        var json = new List<byte>();
        AppendData(c, Settings(c), 0, json);
        c.PushBytes(json.ToArray());
        return 1;
    }

    static LuaError Unserialisable(LuaCall c, int index, string reason) =>
        c.Error($"Cannot serialise {TypeName(lua_type(c.L, index))}: {reason}");

    /// <summary>json_append_data: the value on top of the stack (left there).</summary>
    static void AppendData(LuaCall c, Config cfg, int depth, List<byte> json)
    {
        var L = c.L;
        switch (lua_type(L, -1))
        {
            case TString:
                AppendString(json, ToBytes(L, -1)!);
                break;
            case TNumber:
                AppendNumber(c, cfg, json, -1);
                break;
            case TBoolean:
                json.AddRange(lua_toboolean(L, -1) != 0 ? "true"u8 : "false"u8);
                break;
            case TTable:
                depth++;
                if (depth > Math.Min(cfg.EncodeMaxDepth, MaxNesting) || lua_checkstack(L, 3) == 0) throw c.Error($"Cannot serialise, excessive nesting ({depth})");
                var length = ArrayLength(c, cfg);
                if (length > 0) AppendArray(c, cfg, depth, json, length);
                else AppendObject(c, cfg, depth, json);
                break;
            case TNil:
                json.AddRange("null"u8);
                break;
            case TLightUserData when lua_touserdata(L, -1) == IntPtr.Zero:
                json.AddRange("null"u8);
                break;
            default:
                throw Unserialisable(c, -1, "type not supported");
        }
    }

    static readonly string?[] Escapes = BuildEscapes();

    static string?[] BuildEscapes()
    {
        var escapes = new string?[256];
        for (var i = 0; i < 32; i++) escapes[i] = $"\\u{i:x4}";
        escapes['\b'] = "\\b";
        escapes['\t'] = "\\t";
        escapes['\n'] = "\\n";
        escapes['\f'] = "\\f";
        escapes['\r'] = "\\r";
        escapes['"'] = "\\\"";
        escapes['\\'] = "\\\\";
        escapes['/'] = "\\/";
        escapes[0x7f] = "\\u007f";
        return escapes;
    }

    static void AppendString(List<byte> json, byte[] s)
    {
        json.Add((byte)'"');
        foreach (var b in s)
        {
            if (Escapes[b] is { } escape) json.AddRange(Encoding.ASCII.GetBytes(escape));
            else json.Add(b);
        }
        json.Add((byte)'"');
    }

    static void AppendNumber(LuaCall c, Config cfg, List<byte> json, int index)
    {
        var num = lua_tonumberx(c.L, index, null);
        if (cfg.EncodeInvalidNumbers == 0)
        {
            if (double.IsInfinity(num) || double.IsNaN(num)) throw Unserialisable(c, index, "must not be NaN or Inf");
        }
        else if (cfg.EncodeInvalidNumbers == 1)
        {
            if (double.IsNaN(num))
            {
                json.AddRange("nan"u8);
                return;
            }
        }
        else if (double.IsInfinity(num) || double.IsNaN(num))
        {
            json.AddRange("null"u8);
            return;
        }
        json.AddRange(Encoding.ASCII.GetBytes(LuaNumbers.FormatG(num, cfg.EncodeNumberPrecision)));
    }

    /// <summary>lua_array_length: n when the keys are exactly numbers 1..n (not too sparse), -1 for an object.</summary>
    static int ArrayLength(LuaCall c, Config cfg)
    {
        var L = c.L;
        var table = lua_gettop(L);
        double max = 0;
        var items = 0;
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            if (lua_type(L, -2) == TNumber)
            {
                var k = lua_tonumberx(L, -2, null);
                if (k != 0 && Math.Floor(k) == k && k >= 1)
                {
                    if (k > max) max = k;
                    items++;
                    Pop(L, 1);
                    continue;
                }
            }
            lua_settop(L, table);
            return -1;
        }
        if (cfg.EncodeSparseRatio > 0 && max > (double)items * cfg.EncodeSparseRatio && max > cfg.EncodeSparseSafe)
        {
            if (!cfg.EncodeSparseConvert) throw Unserialisable(c, -1, "excessively sparse array");
            return -1;
        }
        return (int)Math.Min(max, int.MaxValue);
    }

    static void AppendArray(LuaCall c, Config cfg, int depth, List<byte> json, int length)
    {
        json.Add((byte)'[');
        for (var i = 1; i <= length; i++)
        {
            if (i > 1) json.Add((byte)',');
            lua_rawgeti(c.L, -1, i);
            AppendData(c, cfg, depth, json);
            Pop(c.L, 1);
        }
        json.Add((byte)']');
    }

    static void AppendObject(LuaCall c, Config cfg, int depth, List<byte> json)
    {
        var L = c.L;
        var table = lua_gettop(L);
        json.Add((byte)'{');
        var comma = false;
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            if (comma) json.Add((byte)',');
            comma = true;
            switch (lua_type(L, -2))
            {
                case TNumber:
                    json.Add((byte)'"');
                    AppendNumber(c, cfg, json, -2);
                    json.AddRange("\":"u8);
                    break;
                case TString:
                    AppendString(json, ToBytes(L, -2)!);
                    json.Add((byte)':');
                    break;
                default:
                    throw Unserialisable(c, -2, "table key must be a number or string");
            }
            AppendData(c, cfg, depth, json);
            Pop(L, 1);
        }
        json.Add((byte)'}');
    }

    // ------------------------------------------------------------ decode

    enum Token { ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown }

    static readonly string[] TokenNames =
        ["T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"];

    struct TokenValue
    {
        public Token Type;
        public int Index;
        public string? Error;
        public byte[]? String;
        public double Number;
        public bool Boolean;
    }

    sealed class Parser(LuaCall call, Config cfg, byte[] data)
    {
        public readonly LuaCall Call = call;
        public readonly Config Cfg = cfg;
        public readonly byte[] Data = data;
        public int Ptr;
        public int Depth;

        /// <summary>The byte at an index, as C's NUL-terminated string reads it.</summary>
        public byte At(int i) => i < Data.Length ? Data[i] : (byte)0;
    }

    static int Decode(LuaCall c)
    {
        if (c.Top != 1) throw c.ArgError(1, "decode", "expected 1 argument");
        var data = c.CheckBytes(1, "decode");
        if (data.Length >= 2 && (data[0] == 0 || data[1] == 0)) throw c.Error("JSON parser does not support UTF-16 or UTF-32");
        var json = new Parser(c, Settings(c), data);
        var token = NextToken(json);
        ProcessValue(json, ref token);
        token = NextToken(json);
        if (token.Type != Token.End) throw ParseError(json, "the end", token);
        return 1;
    }

    static LuaError ParseError(Parser json, string expected, TokenValue token) =>
        json.Call.Error($"Expected {expected} but found {(token.Type == Token.Error ? token.Error : TokenNames[(int)token.Type])} at character {token.Index + 1}");

    static Token Classify(byte ch) => ch switch
    {
        (byte)'{' => Token.ObjBegin,
        (byte)'}' => Token.ObjEnd,
        (byte)'[' => Token.ArrBegin,
        (byte)']' => Token.ArrEnd,
        (byte)',' => Token.Comma,
        (byte)':' => Token.Colon,
        0 => Token.End,
        (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' => Token.Whitespace,
        (byte)'f' or (byte)'i' or (byte)'I' or (byte)'n' or (byte)'N' or (byte)'t' or (byte)'"' or (byte)'+' or (byte)'-' => Token.Unknown,
        >= (byte)'0' and <= (byte)'9' => Token.Unknown,
        _ => Token.Error,
    };

    static TokenValue TokenError(Parser json, string error) => new() { Type = Token.Error, Index = json.Ptr, Error = error };

    static TokenValue NextToken(Parser json)
    {
        Token type;
        while ((type = Classify(json.At(json.Ptr))) == Token.Whitespace) json.Ptr++;
        var token = new TokenValue { Type = type, Index = json.Ptr };
        if (type == Token.Error) return TokenError(json, "invalid token");
        if (type == Token.End) return token;
        if (type != Token.Unknown)
        {
            json.Ptr++;
            return token;
        }
        var ch = json.At(json.Ptr);
        if (ch == '"') return StringToken(json);
        if (ch == '-' || char.IsAsciiDigit((char)ch))
        {
            if (!json.Cfg.DecodeInvalidNumbers && IsInvalidNumber(json)) return TokenError(json, "invalid number");
            return NumberToken(json);
        }
        if (Matches(json, "true"))
        {
            json.Ptr += 4;
            return token with { Type = Token.Boolean, Boolean = true };
        }
        if (Matches(json, "false"))
        {
            json.Ptr += 5;
            return token with { Type = Token.Boolean, Boolean = false };
        }
        if (Matches(json, "null"))
        {
            json.Ptr += 4;
            return token with { Type = Token.Null };
        }
        if (json.Cfg.DecodeInvalidNumbers && IsInvalidNumber(json)) return NumberToken(json);
        return TokenError(json, "invalid token");
    }

    static bool Matches(Parser json, string word)
    {
        for (var i = 0; i < word.Length; i++)
            if (json.At(json.Ptr + i) != word[i]) return false;
        return true;
    }

    /// <summary>json_is_invalid_number: numbers strtod takes but strict JSON does not (+, hex, leading zeros, inf, nan).</summary>
    static bool IsInvalidNumber(Parser json)
    {
        var p = json.Ptr;
        if (json.At(p) == '+') return true;
        if (json.At(p) == '-') p++;
        if (json.At(p) == '0')
        {
            var ch2 = json.At(p + 1);
            return (ch2 | 0x20) == 'x' || char.IsAsciiDigit((char)ch2);
        }
        if (json.At(p) <= '9') return false;
        return StartsWithIgnoreCase(json, p, "inf") || StartsWithIgnoreCase(json, p, "nan");
    }

    static bool StartsWithIgnoreCase(Parser json, int p, string word)
    {
        for (var i = 0; i < word.Length; i++)
            if ((json.At(p + i) | 0x20) != word[i]) return false;
        return true;
    }

    static TokenValue NumberToken(Parser json)
    {
        var length = StrtodPrefix(json.Data, json.Ptr, out var value);
        if (length == 0) return TokenError(json, "invalid number");
        var token = new TokenValue { Type = Token.Number, Index = json.Ptr, Number = value };
        json.Ptr += length;
        return token;
    }

    /// <summary>C's strtod on the text from <paramref name="at"/>: how many bytes it converts (0: none) and the value.</summary>
    static int StrtodPrefix(byte[] s, int at, out double value)
    {
        value = 0;
        var i = at;
        byte At(int k) => k < s.Length ? s[k] : (byte)0;
        var negative = false;
        if (At(i) is (byte)'+' or (byte)'-') negative = At(i++) == '-';
        bool Word(string w, int from) => Enumerable.Range(0, w.Length).All(k => (At(from + k) | 0x20) == w[k]);
        if (Word("inf", i))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return i - at + (Word("infinity", i) ? 8 : 3);
        }
        if (Word("nan", i))
        {
            value = double.NaN;
            var end = i + 3;
            if (At(end) == '(')
            {
                var k = end + 1;
                while (char.IsAsciiLetterOrDigit((char)At(k)) || At(k) == '_') k++;
                if (At(k) == ')') end = k + 1;
            }
            return end - at;
        }
        if (At(i) == '0' && (At(i + 1) | 0x20) == 'x' && Uri.IsHexDigit((char)At(i + 2)) ||
            At(i) == '0' && (At(i + 1) | 0x20) == 'x' && At(i + 2) == '.' && Uri.IsHexDigit((char)At(i + 3)))
        {
            var k = i + 2;
            double mantissa = 0;
            var fraction = 0;
            var point = false;
            for (; ; k++)
            {
                if (At(k) == '.' && !point) { point = true; continue; }
                if (!Uri.IsHexDigit((char)At(k))) break;
                mantissa = mantissa * 16 + Convert.ToInt32(((char)At(k)).ToString(), 16);
                if (point) fraction++;
            }
            var exponent = 0;
            if ((At(k) | 0x20) == 'p')
            {
                var e = k + 1;
                var expNegative = false;
                if (At(e) is (byte)'+' or (byte)'-') expNegative = At(e++) == '-';
                if (char.IsAsciiDigit((char)At(e)))
                {
                    while (char.IsAsciiDigit((char)At(e))) exponent = Math.Min(exponent * 10 + (At(e++) - '0'), 100000);
                    if (expNegative) exponent = -exponent;
                    k = e;
                }
            }
            value = Math.ScaleB(mantissa, exponent - 4 * fraction) * (negative ? -1 : 1);
            return k - at;
        }
        var start = i;
        var digits = 0;
        while (char.IsAsciiDigit((char)At(i))) { i++; digits++; }
        if (At(i) == '.')
        {
            var j = i + 1;
            var fractionDigits = 0;
            while (char.IsAsciiDigit((char)At(j))) { j++; fractionDigits++; }
            if (digits + fractionDigits > 0)
            {
                i = j;
                digits += fractionDigits;
            }
        }
        if (digits == 0) return 0;
        if ((At(i) | 0x20) == 'e')
        {
            var e = i + 1;
            if (At(e) is (byte)'+' or (byte)'-') e++;
            if (char.IsAsciiDigit((char)At(e)))
            {
                while (char.IsAsciiDigit((char)At(e))) e++;
                i = e;
            }
        }
        value = double.Parse(Encoding.ASCII.GetString(s, start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (negative) value = -value;
        return i - at;
    }

    static TokenValue StringToken(Parser json)
    {
        var index = json.Ptr;
        json.Ptr++;
        var text = new List<byte>();
        byte ch;
        while ((ch = json.At(json.Ptr)) != '"')
        {
            if (ch == 0) return TokenError(json, "unexpected end of string");
            if (ch == '\\')
            {
                var escape = json.At(json.Ptr + 1);
                byte translated = escape switch
                {
                    (byte)'"' => (byte)'"',
                    (byte)'\\' => (byte)'\\',
                    (byte)'/' => (byte)'/',
                    (byte)'b' => (byte)'\b',
                    (byte)'t' => (byte)'\t',
                    (byte)'n' => (byte)'\n',
                    (byte)'f' => (byte)'\f',
                    (byte)'r' => (byte)'\r',
                    (byte)'u' => (byte)'u',
                    _ => 0,
                };
                if (translated == 'u')
                {
                    if (UnicodeEscape(json, text)) continue;
                    return TokenError(json, "invalid unicode escape code");
                }
                if (translated == 0) return TokenError(json, "invalid escape code");
                json.Ptr++;
                ch = translated;
            }
            text.Add(ch);
            json.Ptr++;
        }
        json.Ptr++;
        return new TokenValue { Type = Token.String, Index = index, String = text.ToArray() };
    }

    static int Hex4(Parser json, int at)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var c = json.At(at + i);
            var digit = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : (c | 0x20) is >= 'a' and <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
            if (digit < 0) return -1;
            value = (value << 4) | digit;
        }
        return value;
    }

    /// <summary>json_append_unicode_escape: \uXXXX (and a surrogate pair) as UTF-8.</summary>
    static bool UnicodeEscape(Parser json, List<byte> text)
    {
        var codepoint = Hex4(json, json.Ptr + 2);
        if (codepoint < 0) return false;
        var length = 6;
        if ((codepoint & 0xF800) == 0xD800)
        {
            if ((codepoint & 0x400) != 0) return false;
            if (json.At(json.Ptr + 6) != '\\' || json.At(json.Ptr + 7) != 'u') return false;
            var low = Hex4(json, json.Ptr + 8);
            if (low < 0 || (low & 0xFC00) != 0xDC00) return false;
            codepoint = (((codepoint & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            length = 12;
        }
        if (codepoint <= 0x7F) text.Add((byte)codepoint);
        else if (codepoint <= 0x7FF) text.AddRange([(byte)((codepoint >> 6) | 0xC0), (byte)((codepoint & 0x3F) | 0x80)]);
        else if (codepoint <= 0xFFFF)
            text.AddRange([(byte)((codepoint >> 12) | 0xE0), (byte)(((codepoint >> 6) & 0x3F) | 0x80), (byte)((codepoint & 0x3F) | 0x80)]);
        else
            text.AddRange([(byte)((codepoint >> 18) | 0xF0), (byte)(((codepoint >> 12) & 0x3F) | 0x80), (byte)(((codepoint >> 6) & 0x3F) | 0x80), (byte)((codepoint & 0x3F) | 0x80)]);
        json.Ptr += length;
        return true;
    }

    static void Descend(Parser json, int slots)
    {
        json.Depth++;
        if (json.Depth <= Math.Min(json.Cfg.DecodeMaxDepth, MaxNesting) && lua_checkstack(json.Call.L, slots) != 0) return;
        throw json.Call.Error($"Found too many nested data structures ({json.Depth}) at character {json.Ptr}");
    }

    static void ProcessValue(Parser json, ref TokenValue token)
    {
        var L = json.Call.L;
        switch (token.Type)
        {
            case Token.String:
                PushBytes(L, token.String);
                break;
            case Token.Number:
                json.Call.PushNumber(token.Number);
                break;
            case Token.Boolean:
                lua_pushboolean(L, token.Boolean ? 1 : 0);
                break;
            case Token.ObjBegin:
                ParseObject(json);
                break;
            case Token.ArrBegin:
                ParseArray(json);
                break;
            case Token.Null:
                lua_pushlightuserdata(L, IntPtr.Zero);
                break;
            default:
                throw ParseError(json, "value", token);
        }
    }

    static void ParseObject(Parser json)
    {
        var L = json.Call.L;
        Descend(json, 3);
        lua_createtable(L, 0, 0);
        var token = NextToken(json);
        if (token.Type == Token.ObjEnd)
        {
            json.Depth--;
            return;
        }
        while (true)
        {
            if (token.Type != Token.String) throw ParseError(json, "object key string", token);
            PushBytes(L, token.String);
            token = NextToken(json);
            if (token.Type != Token.Colon) throw ParseError(json, "colon", token);
            token = NextToken(json);
            ProcessValue(json, ref token);
            lua_rawset(L, -3);
            token = NextToken(json);
            if (token.Type == Token.ObjEnd)
            {
                json.Depth--;
                return;
            }
            if (token.Type != Token.Comma) throw ParseError(json, "comma or object end", token);
            token = NextToken(json);
        }
    }

    static void ParseArray(Parser json)
    {
        var L = json.Call.L;
        Descend(json, 2);
        lua_createtable(L, 0, 0);
        var token = NextToken(json);
        if (token.Type == Token.ArrEnd)
        {
            json.Depth--;
            return;
        }
        for (var i = 1; ; i++)
        {
            ProcessValue(json, ref token);
            lua_rawseti(L, -2, i);
            token = NextToken(json);
            if (token.Type == Token.ArrEnd)
            {
                json.Depth--;
                return;
            }
            if (token.Type != Token.Comma) throw ParseError(json, "comma or array end", token);
            token = NextToken(json);
        }
    }
}
